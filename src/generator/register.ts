import { appUrlsIdentifier } from './names.js';
import prettierOptions from './prettier-options.json' with { type: 'json' };
import { findClosing, indentAt, lineStart, maskSource, splitTopLevel } from './source-scan.js';

/** Options of `registerApp`. */
export interface RegisterAppOptions {
  /** The `INSTALLED_APPS` entry. Default: the app name (a folder at the project root). */
  installedName?: string;
  /** The module the root urlconf imports the app's urls from. Default `'../<app>/urls.js'`. */
  urlsSpecifier?: string;
}

/**
 * What `registerApp` decided. `settings`/`urls` hold the new file content, and are absent when
 * the file needs no change (already registered) or could not be edited safely; `manual` then
 * lists the exact lines to add by hand, each group headed by a `//` comment naming the place.
 */
export interface RegisterAppResult {
  settings?: string;
  urls?: string;
  manual?: string[];
}

/** An edit gave up: the file does not look like the generated one. */
class CannotEdit extends Error {}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches of `pattern` (global) in `source` that start in code, not in a comment or string. */
function codeMatches(source: string, masked: string, pattern: RegExp): RegExpExecArray[] {
  return [...source.matchAll(pattern)].filter((m) => masked[m.index] === source[m.index]);
}

/**
 * Inserts `item` into the array literal opened at `open` (a `[`), keeping the file's layout:
 * a one-line array stays on one line while it fits the print width (else it is broken one item
 * a line, as prettier would), a multi-line array gets a new line before `beforeLine` (an offset
 * of a line start inside the array) or before the closing bracket.
 */
function insertIntoArray(
  source: string,
  masked: string,
  open: number,
  item: string,
  beforeLine?: number,
): string {
  const close = findClosing(masked, open);
  if (close === -1) throw new CannotEdit();
  const inside = source.slice(open + 1, close);
  const indent = indentAt(source, open);
  if (!inside.includes('\n')) {
    const items = splitTopLevel(masked.slice(open + 1, close)).map(([a, b]) =>
      inside.slice(a, b).trim(),
    );
    items.push(item);
    const start = lineStart(source, open);
    const end = source.indexOf('\n', close) === -1 ? source.length : source.indexOf('\n', close);
    const oneLine = source.slice(start, open + 1) + items.join(', ') + source.slice(close, end);
    if (oneLine.length <= prettierOptions.printWidth) {
      return source.slice(0, open + 1) + items.join(', ') + source.slice(close);
    }
    const broken = items.map((x) => `${indent}  ${x},\n`).join('');
    return source.slice(0, open + 1) + '\n' + broken + indent + source.slice(close);
  }
  // Multi-line: the closing bracket must start its own line.
  const closeLine = lineStart(source, close);
  if (source.slice(closeLine, close).trim() !== '') throw new CannotEdit();
  const firstItem = /\n([ \t]*)\S/.exec(inside);
  const itemIndent = firstItem ? firstItem[1]! : indent + '  ';
  if (beforeLine !== undefined) {
    return source.slice(0, beforeLine) + `${itemIndent}${item},\n` + source.slice(beforeLine);
  }
  // Before the closing line; the last item needs its trailing comma first.
  let last = closeLine - 1;
  while (last > open && /\s/.test(masked[last]!)) last--;
  const needsComma = last > open && masked[last] !== ',' && masked[last] !== '[';
  const head =
    source.slice(0, last + 1) + (needsComma ? ',' : '') + source.slice(last + 1, closeLine);
  return head + `${itemIndent}${item},\n` + source.slice(closeLine);
}

/** Adds `entry` to `INSTALLED_APPS`; returns `undefined` when it is already there. */
function editSettings(source: string, entry: string): string | undefined {
  const masked = maskSource(source);
  const found = codeMatches(source, masked, /\bINSTALLED_APPS\s*:\s*\[/g);
  if (found.length !== 1) throw new CannotEdit();
  const open = found[0]!.index + found[0]![0].length - 1;
  const close = findClosing(masked, open);
  if (close === -1) throw new CannotEdit();
  const inside = source.slice(open + 1, close);
  if (new RegExp(`(['"\`])${escapeRegExp(entry)}\\1`).test(inside)) return undefined;
  // Every entry must be a plain string literal: anything else (a spread, a call) is hand-made.
  const items = splitTopLevel(masked.slice(open + 1, close)).map(([a, b]) =>
    maskSource(inside.slice(a, b)).trim(),
  );
  const stripped = items.map((x) => x.replace(/\s+/g, ''));
  if (!stripped.every((x) => /^(['"])\s*\1$/.test(x))) throw new CannotEdit();
  const quote = inside.includes('"') && !inside.includes("'") ? '"' : "'";
  return insertIntoArray(source, masked, open, `${quote}${entry}${quote}`);
}

/** Adds the import of the app's urls, `include`, and `path('', include(...))`. */
function editUrls(source: string, appName: string, specifier: string): string | undefined {
  let out = source;
  const masked = maskSource(out);
  const identifierDefault = appUrlsIdentifier(appName);

  // 1. The import of the app's urls (reuse the identifier of an existing one).
  const specifierPattern = escapeRegExp(specifier).replace(/\\\.js$/, '(?:\\.js|\\.ts)?');
  const existing = codeMatches(
    out,
    masked,
    new RegExp(`^import\\s+([\\p{L}\\p{N}_$]+)\\s+from\\s*(['"])${specifierPattern}\\2`, 'gmu'),
  );
  const identifier = existing[0]?.[1] ?? identifierDefault;
  const imports = codeMatches(out, masked, /^import\b[^;]*?(['"])[^'"\n]*\1[ \t]*;?/gm);
  const afterImports = imports.length ? imports.at(-1)!.index + imports.at(-1)![0].length : 0;
  const newImports: string[] = [];
  if (existing.length === 0) newImports.push(`import ${identifier} from '${specifier}';`);

  // 2. `include` from tango/urls.
  let include = 'include';
  const urlsImport = codeMatches(
    out,
    masked,
    /^import\s*\{([^}]*)\}\s*from\s*(['"])tango\/urls\2/gm,
  );
  if (urlsImport.length > 1) throw new CannotEdit();
  const names = urlsImport[0]?.[1];
  const alias = names ? /(?:^|[\s,])include\s+as\s+([\p{L}\p{N}_$]+)/u.exec(names) : null;
  if (alias) include = alias[1]!;
  let includeEdit: { start: number; end: number; text: string } | undefined;
  if (names === undefined) {
    newImports.unshift(`import { include } from 'tango/urls';`);
  } else if (!alias && !/(?:^|[\s,{])include\s*(?:,|$)/.test(names.trim())) {
    const m = urlsImport[0]!;
    const braceOpen = m.index + m[0].indexOf('{');
    const braceClose = braceOpen + 1 + names.length;
    if (names.includes('\n')) {
      const firstLine = /\n([ \t]*)\S/.exec(names);
      includeEdit = {
        start: braceOpen + 1,
        end: braceOpen + 1,
        text: `\n${firstLine ? firstLine[1] : '  '}include,`,
      };
    } else {
      const list = names
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      list.push('include');
      list.sort((a, b) => a.localeCompare(b));
      includeEdit = { start: braceOpen + 1, end: braceClose, text: ` ${list.join(', ')} ` };
    }
  }

  // 3. The pattern itself, unless the urlconf already includes the app's urls.
  const included = new RegExp(
    `\\b${escapeRegExp(include)}\\(\\s*${escapeRegExp(identifier)}\\s*\\)`,
  );
  const needsPattern = !included.test(masked);
  if (!needsPattern && newImports.length === 0 && !includeEdit) return undefined;
  if (needsPattern) {
    const arrays = codeMatches(
      out,
      masked,
      /^export\s+default\s+\[|\burlpatterns\b[^=\n]*=\s*\[/gm,
    );
    if (arrays.length !== 1) throw new CannotEdit();
    const open = arrays[0]!.index + arrays[0]![0].length - 1;
    const close = findClosing(masked, open);
    if (close === -1) throw new CannotEdit();
    // Apps come before the project's home page, so an app may serve the site root.
    const home = /^[ \t]*path\([^\n]*\bviews\.home\b/m.exec(out.slice(open + 1, close));
    const homeLine =
      home && out.slice(open + 1, close).includes('\n') ? open + 1 + home.index : undefined;
    out = insertIntoArray(out, masked, open, `path('', ${include}(${identifier}))`, homeLine);
  }
  // Imports last (they come before the array, so the offsets above stay valid).
  if (newImports.length)
    out =
      out.slice(0, afterImports) +
      (afterImports ? '\n' : '') +
      newImports.join('\n') +
      (afterImports ? '' : '\n') +
      out.slice(afterImports);
  if (includeEdit)
    out = out.slice(0, includeEdit.start) + includeEdit.text + out.slice(includeEdit.end);
  return out;
}

/**
 * Registers an app in a project, as a textual edit that keeps the files' layout (and leaves
 * generated files prettier-clean): adds the app to `INSTALLED_APPS` in settings.ts, and to the
 * root urlconf an import of its urls plus `path('', include(<app>Urls))` ahead of the home page.
 * Idempotent: running it again changes nothing. When a file was rewritten beyond recognition
 * (no single `INSTALLED_APPS: [...]` of string literals, no single `export default [...]`), that
 * file is left alone and `manual` gives the exact lines to add. Each file is edited all or
 * nothing.
 *
 * @example
 * const result = registerApp(settingsTs, urlsTs, 'WebApp');
 * if (result.settings) await writeFile(settingsPath, result.settings);
 * if (result.urls) await writeFile(urlsPath, result.urls);
 * for (const line of result.manual ?? []) console.log(line);
 */
export function registerApp(
  settingsSource: string,
  urlsSource: string,
  appName: string,
  options: RegisterAppOptions = {},
): RegisterAppResult {
  const entry = options.installedName ?? appName;
  const specifier = options.urlsSpecifier ?? `../${appName}/urls.js`;
  const result: RegisterAppResult = {};
  const manual: string[] = [];
  try {
    const settings = editSettings(settingsSource, entry);
    if (settings !== undefined) result.settings = settings;
  } catch (error) {
    if (!(error instanceof CannotEdit)) throw error;
    manual.push('// settings.ts: add to INSTALLED_APPS', `'${entry}',`);
  }
  try {
    const urls = editUrls(urlsSource, appName, specifier);
    if (urls !== undefined) result.urls = urls;
  } catch (error) {
    if (!(error instanceof CannotEdit)) throw error;
    const identifier = appUrlsIdentifier(appName);
    manual.push(
      '// urls.ts: add to the imports',
      `import { include } from 'tango/urls';`,
      `import ${identifier} from '${specifier}';`,
      '// urls.ts: add to the URL patterns',
      `path('', include(${identifier})),`,
    );
  }
  if (manual.length) result.manual = manual;
  return result;
}
