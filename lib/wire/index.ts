/**
 * The wire layer: bytes <-> values, no state, no time. Import from here or from the one module.
 *   errors.ts    WireError, the only error a decoder throws
 *   checksum.ts  Internet checksum (RFC 1071), incremental
 *   ipv4.ts      IPv4 header, addresses, TCP pseudo-header
 *   tcp.ts       TCP header and options; IPv4+TCP packets
 *   seq.ts       sequence-number arithmetic modulo 2^32
 *   format.ts    tcpdump notation for flags and options
 *   pcap.ts      pcap write; pcap and pcapng read
 */
export * from './errors.ts';
export * from './checksum.ts';
export * from './ipv4.ts';
export * from './tcp.ts';
export * from './seq.ts';
export * from './format.ts';
export * from './pcap.ts';
