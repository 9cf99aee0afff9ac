import { appUrlsIdentifier } from './names.js';
import prettierOptions from './prettier-options.json' with { type: 'json' };
import { findClosing, indentAt, lineStart, maskSource, splitTopLevel } from './source-scan.js';

/** Options of `registerApp`. */
export interface RegisterAppOptions {
  /** The `INSTALLED_APPS` entry. Default: the app name (a folder at the project root). */
  installedName?: string;
  /** The module the root urlconf imports the app's urls from. Default `'../<app>/urls.ts'`. */
  urlsSpecifier?: string;
}

/** Lines to add by hand to one place of a file (`to`: `INSTALLED_APPS`, `the imports`, ...). */
export interface ManualAddition {
  readonly to: string;
  readonly lines: readonly string[];
}

/**
 * What registering an app does to one file: `updated` gives its new source; `unchanged` means
 * the app is registered there already; `manual` means the file does not look as generated, so
 * it is left alone and `add` gives the exact lines to add by hand.
 *
 * @example
 * const edit = registerApp(settingsTs, urlsTs, 'WebApp').settings;
 * if (edit.status === 'updated') await writeFile(settingsPath, edit.source);
 */
export type RegistrationEdit =
  | { readonly status: 'updated'; readonly source: string }
  | { readonly status: 'unchanged' }
  | { readonly status: 'manual'; readonly add: readonly ManualAddition[] };

/** What `registerApp` decided, for settings.ts and for the root urlconf. */
export interface RegisterAppResult {
  readonly settings: RegistrationEdit;
  readonly urls: RegistrationEdit;
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

/**
 * The single `INSTALLED_APPS: [...]` of a settings file (else `CannotEdit`): where its `[` is,
 * and its entries when every one is a plain string literal (`undefined` when one is not: a
 * spread or a call is hand-made).
 */
function findInstalledApps(source: string): {
  masked: string;
  open: number;
  close: number;
  entries: string[] | undefined;
} {
  const masked = maskSource(source);
  const found = codeMatches(source, masked, /\bINSTALLED_APPS\s*:\s*\[/g);
  if (found.length !== 1) throw new CannotEdit();
  const open = found[0]!.index + found[0]![0].length - 1;
  const close = findClosing(masked, open);
  if (close === -1) throw new CannotEdit();
  const inside = source.slice(open + 1, close);
  let entries: string[] | undefined = [];
  for (const [a, b] of splitTopLevel(masked.slice(open + 1, close))) {
    // Masked, a literal is its quotes around blanks (comments are blank too).
    const literal = /^(\s*)(['"])( *)\2\s*$/.exec(maskSource(inside.slice(a, b)));
    if (!literal) {
      entries = undefined;
      break;
    }
    const start = a + literal[1]!.length + 1;
    entries.push(inside.slice(start, start + literal[3]!.length));
  }
  return { masked, open, close, entries };
}

/**
 * The entries of `INSTALLED_APPS` in a settings file, or `undefined` when the list is not the
 * generated kind (one `INSTALLED_APPS: [...]` of string literals) and cannot be read safely.
 *
 * @example
 * installedApps("export default defineSettings({ INSTALLED_APPS: ['tango.sessions', 'blog'] });");
 * // ['tango.sessions', 'blog']
 */
export function installedApps(settingsSource: string): string[] | undefined {
  try {
    return findInstalledApps(settingsSource).entries;
  } catch (error) {
    if (error instanceof CannotEdit) return undefined;
    throw error;
  }
}

/** Adds `entry` to `INSTALLED_APPS`; returns `undefined` when it is already there. */
function editSettings(source: string, entry: string): string | undefined {
  const { masked, open, close, entries } = findInstalledApps(source);
  const inside = source.slice(open + 1, close);
  const listed = new RegExp(`(['"\`])${escapeRegExp(entry)}\\1`, 'g');
  const maskedInside = masked.slice(open + 1, close);
  if (codeMatches(inside, maskedInside, listed).length) return undefined;
  if (entries === undefined) throw new CannotEdit();
  const quote = inside.includes('"') && !inside.includes("'") ? '"' : "'";
  return insertIntoArray(source, masked, open, `${quote}${entry}${quote}`);
}

/** Adds the import of the app's urls, `include`, and `path('', include(...))`. */
function editUrls(source: string, appName: string, specifier: string): string | undefined {
  let out = source;
  const masked = maskSource(out);
  const identifierDefault = appUrlsIdentifier(appName);

  // 1. The import of the app's urls (reuse the identifier of an existing one).
  // '../app/urls.js' and '../app/urls.ts' name the same module (tsx maps one to the other).
  const specifierPattern = escapeRegExp(specifier).replace(/\\\.[jt]s$/, '(?:\\.js|\\.ts)?');
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
 * The lines that register an app by hand, for each file: what `registerApp` gives for a file
 * it cannot edit, and what to print when the files cannot be read or the app is outside the
 * project.
 *
 * @example
 * registrationLines('WebApp').settings; // [{ to: 'INSTALLED_APPS', lines: ["'WebApp',"] }]
 */
export function registrationLines(
  appName: string,
  options: RegisterAppOptions = {},
): { settings: ManualAddition[]; urls: ManualAddition[] } {
  const entry = options.installedName ?? appName;
  const specifier = options.urlsSpecifier ?? `../${appName}/urls.ts`;
  const identifier = appUrlsIdentifier(appName);
  return {
    settings: [{ to: 'INSTALLED_APPS', lines: [`'${entry}',`] }],
    urls: [
      {
        to: 'the imports',
        lines: [
          `import { include } from 'tango/urls';`,
          `import ${identifier} from '${specifier}';`,
        ],
      },
      { to: 'the URL patterns', lines: [`path('', include(${identifier})),`] },
    ],
  };
}

/** Runs one file's edit: its new source, `unchanged`, or `manual` with `lines`. */
function attempt(
  edit: () => string | undefined,
  lines: readonly ManualAddition[],
): RegistrationEdit {
  try {
    const source = edit();
    return source === undefined ? { status: 'unchanged' } : { status: 'updated', source };
  } catch (error) {
    if (!(error instanceof CannotEdit)) throw error;
    return { status: 'manual', add: lines };
  }
}

/**
 * Registers an app in a project, as a textual edit that keeps the files' layout (and leaves
 * generated files prettier-clean): adds the app to `INSTALLED_APPS` in settings.ts, and to the
 * root urlconf an import of its urls plus `path('', include(<app>Urls))` ahead of the home page.
 * Idempotent: running it again gives `unchanged` for both files. A file rewritten beyond
 * recognition (no single `INSTALLED_APPS: [...]` of string literals, no single
 * `export default [...]`) gives `manual` with the exact lines to add. Each file is edited all
 * or nothing. Pure: the caller reads and writes the files.
 *
 * @example
 * const { settings, urls } = registerApp(settingsTs, urlsTs, 'WebApp');
 * if (settings.status === 'updated') await writeFile(settingsPath, settings.source);
 * if (urls.status === 'manual') for (const { to, lines } of urls.add) console.log(to, lines);
 */
export function registerApp(
  settingsSource: string,
  urlsSource: string,
  appName: string,
  options: RegisterAppOptions = {},
): RegisterAppResult {
  const entry = options.installedName ?? appName;
  const specifier = options.urlsSpecifier ?? `../${appName}/urls.ts`;
  const manual = registrationLines(appName, options);
  return {
    settings: attempt(() => editSettings(settingsSource, entry), manual.settings),
    urls: attempt(() => editUrls(urlsSource, appName, specifier), manual.urls),
  };
}
