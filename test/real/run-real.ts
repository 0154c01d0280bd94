import { realCommand } from '../../lib/cli/real.ts';

/** `tcpemu real ARGS...` in this process: its exit status and what it printed (colour off). */
export async function real(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await realCommand(args, { out: (s) => { out += s; }, err: (s) => { err += s; }, color: false });
  return { code, out, err };
}
