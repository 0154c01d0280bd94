/**
 * The API report: every export of lib/index.ts (the package's entry) with its type, one block each,
 * read by the TypeScript checker. docs/api.txt holds the report of the released surface, and
 * test/api/api-report.test.ts fails when the two differ, so no export is removed, renamed or changed
 * by accident (semantic versioning). After a change made on purpose: npm run api-report.
 * Members marked @internal, private and protected ones, and what a class inherits from Node
 * (Duplex, EventEmitter) are left out.
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

export function apiReport(root) {
  const entry = path.join(root, 'lib/index.ts');
  const cfg = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  const program = ts.createProgram([entry], { ...cfg.options, noEmit: true });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(entry));
  const own = (decl) => path.resolve(decl.getSourceFile().fileName).startsWith(path.join(root, 'lib') + path.sep);
  const internal = (decl) => ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal');
  const hidden = (decl) => (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || internal(decl) || (decl.name && ts.isPrivateIdentifier(decl.name));
  const type = (t) => checker.typeToString(t, undefined, FORMAT);
  const sig = (s) => checker.signatureToString(s, undefined, FORMAT);

  const members = (symbols, at) => {
    const out = [];
    for (const m of [...symbols].sort((a, b) => a.name.localeCompare(b.name))) {
      // Underscored methods are the stream implementation's (_read, _write...), Node's to call.
      if (m.name.startsWith('_')) continue;
      const decls = (m.declarations ?? []).filter((d) => own(d) && !hidden(d));
      if (decls.length === 0) continue;
      const d = decls[0];
      const t = checker.getTypeOfSymbolAtLocation(m, at);
      if (ts.isMethodDeclaration(d) || ts.isMethodSignature(d)) {
        for (const s of t.getCallSignatures()) out.push(`  ${m.name}${sig(s)}`);
      } else {
        const ro = ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Readonly || (ts.isGetAccessor(d) && !m.declarations.some(ts.isSetAccessor)) ? 'readonly ' : '';
        const opt = m.flags & ts.SymbolFlags.Optional ? '?' : '';
        out.push(`  ${ro}${m.name}${opt}: ${type(t)}`);
      }
    }
    return out;
  };

  const blocks = [];
  for (const exp of checker.getExportsOfModule(mod).sort((a, b) => a.name.localeCompare(b.name))) {
    const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    const decl = sym.declarations[0];
    const name = exp.name;
    if (sym.flags & ts.SymbolFlags.Class) {
      const ctorType = checker.getTypeOfSymbolAtLocation(sym, decl);
      const base = decl.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      const lines = [`class ${name}${base ? ` ${base.getText()}` : ''}`];
      const ctor = decl.members.find(ts.isConstructorDeclaration);
      if (!(ctor && (internal(ctor) || hidden(ctor)))) for (const s of ctorType.getConstructSignatures()) lines.push(`  new${sig(s)}`);
      lines.push(...members(checker.getPropertiesOfType(ctorType).filter((p) => p.name !== 'prototype'), decl).map((l) => `  static ${l.trim()}`));
      lines.push(...members(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(sym)), decl));
      blocks.push(lines.join('\n'));
    } else if (sym.flags & ts.SymbolFlags.Interface) {
      blocks.push([`interface ${name}`, ...members(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(sym)), decl)].join('\n'));
    } else if (sym.flags & ts.SymbolFlags.TypeAlias) {
      blocks.push(`type ${name} = ${checker.typeToString(checker.getDeclaredTypeOfSymbol(sym), decl, FORMAT | ts.TypeFormatFlags.InTypeAlias)}`);
    } else if (sym.flags & ts.SymbolFlags.Function) {
      blocks.push(checker.getTypeOfSymbolAtLocation(sym, decl).getCallSignatures().map((s) => `function ${name}${sig(s)}`).join('\n'));
    } else if (sym.flags & ts.SymbolFlags.Variable) {
      blocks.push(`const ${name}: ${type(checker.getTypeOfSymbolAtLocation(sym, decl))}`);
    } else {
      blocks.push(`${name}: (an export of a kind this report does not describe)`);
    }
  }
  return `tcpemu API report: every export of lib/index.ts (npm run api-report writes it; test/api/api-report.test.ts checks it)\n\n${blocks.join('\n\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  writeFileSync(path.join(root, 'docs/api.txt'), apiReport(root));
  process.stdout.write('wrote docs/api.txt\n');
}
