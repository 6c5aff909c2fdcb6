import pino, { type Logger } from 'pino';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** pino's JSON lines as short human lines: `12:00:01 info  msg key=value`. */
function prettyStream(out: NodeJS.WritableStream) {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      const { level, time, msg, ...rest } = o;
      const t = new Date(Number(time)).toTimeString().slice(0, 8);
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      out.write(`${t} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${msg ?? ''}${extra ? ' ' + extra : ''}\n`);
    },
  };
}

/** The daemon's logger on stderr: readable lines by default, JSON with HIVE_LOG_FORMAT=json (for journald/log shippers). */
export function createLogger(level: string, format = process.env.HIVE_LOG_FORMAT): Logger {
  const opts = { level, base: undefined };
  return format === 'json' ? pino(opts, pino.destination(2)) : pino(opts, prettyStream(process.stderr));
}
