/**
 * The one error the wire layer throws. Every decoder (IPv4, TCP, pcap) turns any malformed input
 * into a WireError that says what is wrong and at which byte, so that the command line can print
 * it as a user error (exit status 2) instead of a stack trace. Anything else escaping a decoder is
 * a bug (a fuzz test in test/wire checks this).
 */

export type WireErrorCode =
  | 'short' // fewer bytes than the fixed header needs
  | 'bad-version' // IPv4 version field is not 4
  | 'bad-ihl' // IPv4 header length < 5 words or past the buffer
  | 'bad-length' // a length field disagrees with the bytes present
  | 'bad-checksum' // header (IPv4) or segment (TCP) checksum does not verify
  | 'fragment' // an IPv4 fragment: the wire layer does not reassemble
  | 'not-tcp' // IPv4 protocol is not 6
  | 'bad-data-offset' // TCP data offset < 5 words or past the buffer
  | 'option-overrun' // a TCP option runs past the header, or its length is < 2
  | 'bad-option-length' // a known TCP option with the wrong length for its kind
  | 'bad-addr' // an IPv4 address in dotted-quad text that does not parse
  | 'bad-value' // a value to encode that does not fit its field
  | 'bad-flags' // a tcpdump flag string with an unknown letter
  | 'bad-magic' // a capture file that is neither pcap nor pcapng
  | 'truncated-record' // a pcap record or pcapng block cut off by the end of the file
  | 'bad-block' // a malformed pcapng block
  | 'bad-linktype'; // a capture link type this reader does not know

export class WireError extends Error {
  override readonly name = 'WireError';
  /** Byte offset of the problem, counted from the start of the buffer handed to the decoder. */
  readonly offset: number;
  readonly code: WireErrorCode;
  /** What would be right, in a few words, for the user. */
  readonly hint: string | undefined;
  /** File or source name when known (captures). */
  readonly source: string | undefined;

  constructor(code: WireErrorCode, offset: number, what: string, opts: { hint?: string; source?: string } = {}) {
    const where = opts.source === undefined ? `at byte ${offset}` : `${opts.source}: at byte ${offset}`;
    super(`${where}: ${what}${opts.hint === undefined ? '' : ` (${opts.hint})`}`);
    this.code = code;
    this.offset = offset;
    this.hint = opts.hint;
    this.source = opts.source;
  }
}
