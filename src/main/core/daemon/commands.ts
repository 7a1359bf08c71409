// The daemon's IPC command bytes this app speaks or must recognise. Values and meanings are the
// daemon's own (pkg/daemon/ipc.go in github.com/pilot-protocol/pilotprotocol); only the few the
// app needs are named here. Every message is one command byte followed by its payload.

/** Health request (empty payload). Answered inline by the daemon, even when it is overloaded. */
export const CMD_HEALTH = 0x21;
/** Health reply: JSON with status, uptime_seconds, the webhook counters, … */
export const CMD_HEALTH_OK = 0x22;
/** Info request (empty payload). Heavier than Health: lists peers and connections. */
export const CMD_INFO = 0x0d;
/** Info reply: JSON with node_id, address, hostname, version, … */
export const CMD_INFO_OK = 0x0e;
/** SetWebhook request: the raw URL bytes; an empty payload clears the webhook. */
export const CMD_SET_WEBHOOK = 0x1b;
/** SetWebhook reply: JSON {"webhook": "<url>"}. */
export const CMD_SET_WEBHOOK_OK = 0x1c;
/** Error reply to any request: [u16 code][UTF-8 message]. The daemon always uses code 1. */
export const CMD_ERROR = 0x0a;

/** Pushed when a connection is accepted on a port this client bound. We bind none; ignored. */
export const CMD_ACCEPT = 0x05;
/** Pushed with stream data for a connection this client owns. We own none; ignored. */
export const CMD_RECV = 0x07;
/** Pushed when a connection this client owns is closed by the peer. Ignored. */
export const CMD_CLOSE_OK = 0x09;
/** Pushed to EVERY client for every inbound datagram, whatever it asked for. Ignored. */
export const CMD_RECV_FROM = 0x0c;

/** Frames the daemon sends without being asked; a client must keep reading and drop them. */
export const UNSOLICITED_PUSHES: ReadonlySet<number> = new Set([CMD_ACCEPT, CMD_RECV, CMD_CLOSE_OK, CMD_RECV_FROM]);

/** The daemon's only error code (sendError in ipc.go writes 1 for every failure). */
export const DAEMON_GENERIC_ERROR_CODE = 1;

/** A successful reply's command byte is the request's plus one. */
export function replyCommandFor(request: number): number {
  return (request + 1) & 0xff;
}

const NAMES: Readonly<Record<number, string>> = {
  [CMD_HEALTH]: 'Health',
  [CMD_HEALTH_OK]: 'HealthOK',
  [CMD_INFO]: 'Info',
  [CMD_INFO_OK]: 'InfoOK',
  [CMD_SET_WEBHOOK]: 'SetWebhook',
  [CMD_SET_WEBHOOK_OK]: 'SetWebhookOK',
  [CMD_ERROR]: 'Error',
  [CMD_ACCEPT]: 'Accept',
  [CMD_RECV]: 'Recv',
  [CMD_CLOSE_OK]: 'CloseOK',
  [CMD_RECV_FROM]: 'RecvFrom',
};

/** "0x21 Health" — for error messages a person reads. */
export function describeCommand(cmd: number): string {
  const hex = `0x${cmd.toString(16).toUpperCase().padStart(2, '0')}`;
  const name = NAMES[cmd];
  return name ? `${hex} ${name}` : hex;
}
