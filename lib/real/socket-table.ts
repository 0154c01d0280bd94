/**
 * The kernel's socket table as `tcpemu real` and `tcpemu tun` read it: /proc/net/tcp (the table `ss` dumps
 * over netlink), its rows turned into addresses, ports and RFC 9293 state names. The reading itself runs in a
 * worker thread (table-sampler.ts).
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import type { TcpStateName } from '../trace/events.ts';

const KERNEL_STATE: Record<string, TcpStateName> = {
  '01': 'ESTABLISHED', '02': 'SYN-SENT', '03': 'SYN-RECEIVED', '04': 'FIN-WAIT-1', '05': 'FIN-WAIT-2',
  '06': 'TIME-WAIT', '07': 'CLOSED', '08': 'CLOSE-WAIT', '09': 'LAST-ACK', '0A': 'LISTEN', '0B': 'CLOSING',
  // 0C is TCP_NEW_SYN_RECV: a request socket, the kernel's SYN-RECEIVED for a passive open.
  '0C': 'SYN-RECEIVED',
};

export interface TableRow { local: string; remote: string; state: TcpStateName }

const LITTLE = endianness() === 'LE';

function hexAddr(h: string): string {
  const [ip, port] = h.split(':');
  const b = Buffer.from(ip, 'hex');
  if (LITTLE) b.reverse();
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}:${parseInt(port, 16)}`;
}

/** The rows of /proc/net/tcp whose ends are among `addrs` and whose ports are among `ports`. */
export function readSocketTable(addrs: ReadonlySet<string>, ports: ReadonlySet<number>, text = readFileSync('/proc/net/tcp', 'latin1')): TableRow[] {
  const rows: TableRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 4) continue;
    const local = hexAddr(f[1]);
    const remote = hexAddr(f[2]);
    const [la, lp] = splitAP(local);
    const [ra, rp] = splitAP(remote);
    if (!addrs.has(la)) continue;
    if (!ports.has(lp) && !ports.has(rp)) continue;
    if (ra !== '0.0.0.0' && !addrs.has(ra)) continue;
    const state = KERNEL_STATE[f[3].toUpperCase()];
    if (state) rows.push({ local, remote, state });
  }
  return rows;
}

export function splitAP(ap: string): [string, number] {
  const i = ap.lastIndexOf(':');
  return [ap.slice(0, i), Number(ap.slice(i + 1))];
}
