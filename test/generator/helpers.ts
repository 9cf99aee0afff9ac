/** Shared helpers for generator tests: the built-in template trees and output invariants. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';
import { readTemplateTree } from '../../src/cli/read-tree.js';
import { PRETTIER_OPTIONS, parserFor, textOf, type FileTree } from '../../src/generator/index.js';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const TEMPLATES = path.join(REPO_ROOT, 'templates');

/** Fixed options, so snapshots are stable. */
export const SECRET_KEY = 'tango-insecure-0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*(-_=+)abcd';
export const TANGO_SPEC = 'file:vendor/tango-0.1.0.tgz';

export function projectTemplates(): Promise<FileTree> {
  return readTemplateTree(path.join(TEMPLATES, 'project'), 'project');
}

export function appTemplates(kind: string): Promise<FileTree> {
  return readTemplateTree(path.join(TEMPLATES, 'app', kind), 'app');
}

/** Every built-in app template kind (folders of templates/app/). */
export async function appKinds(): Promise<string[]> {
  const entries = await readdir(path.join(TEMPLATES, 'app'), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** TypeScript's syntax errors for one file (no type checking). */
export function syntaxErrors(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(
    fileName,
    source,
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.TS,
  );
  const diagnostics = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  return diagnostics.map(
    (d) => `${fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  );
}

/**
 * The invariants of generated output: no unrendered Handlebars outside runtime templates
 * (`.html`, which Tango renders per request), every `.ts` parses, and every file prettier
 * handles is already formatted.
 */
export async function checkInvariants(tree: FileTree): Promise<void> {
  const problems: string[] = [];
  for (const [filePath, content] of tree) {
    const text = textOf(content);
    if (!filePath.endsWith('.html') && /\{\{|\}\}/.test(text))
      problems.push(`${filePath}: unrendered {{ }}`);
    if (filePath.endsWith('.hbs')) problems.push(`${filePath}: .hbs suffix left`);
    if (filePath.endsWith('.ts')) problems.push(...syntaxErrors(filePath, text));
    const parser = parserFor(filePath);
    if (parser && (await prettier.format(text, { ...PRETTIER_OPTIONS, parser })) !== text) {
      problems.push(`${filePath}: not prettier-clean`);
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
}
