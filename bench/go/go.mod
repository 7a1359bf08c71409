module pilotbench/gostandin

go 1.22
