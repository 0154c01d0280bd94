/** Where a subcommand writes (the process's streams, or a test's buffers), and whether it may colour. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  color: boolean;
}
