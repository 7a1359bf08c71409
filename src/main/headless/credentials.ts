// Where the headless host's API token and signing secret come from: a flag, a file, or the
// environment. A value in argv is readable by every local user (/proc/<pid>/cmdline, `ps`), so it
// works but draws a warning; a file (owner-only, ideally) or a variable of this process is the safe
// way. Nothing here ever repeats a value in a message. Pure: the file reader is passed in.

import { checkToken, type HeadlessArgs } from './headless-args';

export const TOKEN_ENV = 'PILOT_WEBHOOK_TOKEN';
export const SECRET_ENV = 'PILOT_WEBHOOK_SECRET';

export interface Credentials {
  /** absent: the entry generates one */
  token?: string;
  /** where the token came from, for the start-up message (never the token itself) */
  tokenSource?: '--token' | '--token-file' | typeof TOKEN_ENV;
  secret?: string;
  /** for the person at the terminal: argv exposure */
  warnings: string[];
}

export type CredentialsRead = { ok: true; credentials: Credentials } | { ok: false; message: string };

/** The first line of a file, without its line ending: what `echo x > file` writes. */
function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0]?.trim() ?? '';
}

function argvWarning(flag: string, fileFlag: string, env: string): string {
  return `${flag} on the command line can be read by other users of this machine (/proc/<pid>/cmdline); use ${fileFlag} or ${env} instead.`;
}

export function readCredentials(
  args: Pick<HeadlessArgs, 'token' | 'tokenFile' | 'secret' | 'secretFile'>,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): CredentialsRead {
  const credentials: Credentials = { warnings: [] };

  const fromFile = (flag: string, path: string): { ok: true; value: string } | { ok: false; message: string } => {
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { ok: false, message: `${flag} ${path} could not be read${typeof code === 'string' ? ` (${code})` : ''}` };
    }
    const value = firstLine(text);
    return value === '' ? { ok: false, message: `${flag} ${path} is empty` } : { ok: true, value };
  };

  if (args.token !== undefined) {
    credentials.token = args.token;
    credentials.tokenSource = '--token';
    credentials.warnings.push(argvWarning('--token', '--token-file', TOKEN_ENV));
  } else if (args.tokenFile !== undefined) {
    const read = fromFile('--token-file', args.tokenFile);
    if (!read.ok) return read;
    const problem = checkToken(read.value);
    if (problem !== null) return { ok: false, message: `the token in --token-file ${args.tokenFile} ${problem}` };
    credentials.token = read.value;
    credentials.tokenSource = '--token-file';
  } else if (env[TOKEN_ENV] !== undefined && env[TOKEN_ENV] !== '') {
    const value = env[TOKEN_ENV];
    const problem = checkToken(value);
    if (problem !== null) return { ok: false, message: `${TOKEN_ENV} ${problem}` };
    credentials.token = value;
    credentials.tokenSource = TOKEN_ENV;
  }

  if (args.secret !== undefined) {
    credentials.secret = args.secret;
    credentials.warnings.push(argvWarning('--secret', '--secret-file', SECRET_ENV));
  } else if (args.secretFile !== undefined) {
    const read = fromFile('--secret-file', args.secretFile);
    if (!read.ok) return read;
    credentials.secret = read.value;
  } else if (env[SECRET_ENV] !== undefined && env[SECRET_ENV] !== '') {
    credentials.secret = env[SECRET_ENV];
  }
  return { ok: true, credentials };
}
