/** What the packetdrill model tests share: a passive open and a run of an inline script. */
import { parseScript } from '../../lib/packetdrill/parse.ts';
import { runScript } from '../../lib/packetdrill/runner.ts';

/** A passive open with mss 1000 and a window scale of 7 from the peer, 100 ms RTT; accept() gives fd 4 (8 lines). */
export const PASSIVE_OPEN = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

export function run(text: string, opts = {}) {
  return runScript(parseScript(text, 'inline.pkt'), opts);
}
