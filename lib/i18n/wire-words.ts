/**
 * A WireError (a capture or packet that does not decode) in the user's language (issue 26). English
 * keeps the decoder's own detailed message; another language says where (file and byte) and what kind
 * of mistake it is, from the error's code: the decoder's details stay in English, the words a user
 * reads come from the catalogue.
 */
import type { WireError } from '../wire/errors.ts';
import { msg, type Lang, type MessageKey } from './index.ts';

export function wireErrorText(lang: Lang, err: WireError): string {
  if (lang === 'en') return err.message;
  const kind = msg(lang, `wire.${err.code}` as MessageKey);
  return err.source === undefined
    ? msg(lang, 'wire.at', { offset: err.offset, kind })
    : msg(lang, 'wire.atIn', { source: err.source, offset: err.offset, kind });
}
