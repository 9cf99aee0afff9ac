import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeOptions, TemplateDelegate } from 'handlebars';
import type { InstalledApp } from '../apps/config.js';
import type { Settings } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';
import { processorContext } from './context.js';
import { TemplateDoesNotExist, TemplateSyntaxError } from './errors.js';
import Handlebars from './handlebars.js';
import { BUILTIN_HELPERS } from './helpers.js';
import { type WatchMode, watchTree } from './watch.js';

/** Options of `TemplateEngine.create()`. */
export interface TemplateEngineOptions {
  /** Absolute directories searched first, in order (Django's `DIRS`, filesystem loader). */
  dirs: readonly string[];
  /** Absolute `templates/` directories of installed apps, in `INSTALLED_APPS` order (`APP_DIRS`). */
  appDirs: readonly string[];
  /** Watch the directories and pick up edits without a restart (Django reloads in DEBUG too). */
  debug: boolean;
  /** How DEBUG watching works; `'recursive'` (default) falls back to per-directory where unsupported. */
  watchMode?: WatchMode;
}

type Compiled = TemplateDelegate;

/** Handlebars compile options, fixed for every template. */
const COMPILE_OPTIONS: CompileOptions = {
  // Django inserts an included template as it is; Handlebars would indent every line of a
  // standalone partial, which changes <pre> and <textarea> content.
  preventIndent: true,
};

/** Handlebars' message for a missing partial: turned into `TemplateDoesNotExist` with the paths tried. */
const MISSING_PARTIAL = /^The partial (.+) could not be found$/;

/** Lists every file under `root` (relative, `/`-separated), skipping hidden files and folders. */
async function listFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // A configured directory that does not exist holds no templates (Django's loaders too).
      if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
      throw error;
    }
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.name.startsWith('.')) return;
        const full = path.join(dir, entry.name);
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          const target = await stat(full).catch(() => undefined);
          isDir = target?.isDirectory() ?? false;
          isFile = target?.isFile() ?? false;
        }
        if (isDir) await walk(full, prefix + entry.name + '/');
        else if (isFile) files.push(prefix + entry.name);
      }),
    );
  };
  await walk(root, '');
  return files;
}

/** Reads every template under `root` into a name -> source map. */
async function loadRoot(root: string): Promise<Map<string, string>> {
  const names = await listFiles(root);
  const sources = await Promise.all(names.map((name) => readFile(path.join(root, name), 'utf8')));
  return new Map(names.map((name, i) => [name, sources[i]!]));
}

/**
 * Renders Handlebars templates, replacing Django's template engine with its filesystem and
 * app-directories loaders. `create()` reads every template file into memory (async); a
 * template is compiled on first use and cached, so rendering never touches the disk.
 *
 * Every template is also a partial under its name, which gives Django's `{% include %}` and,
 * with partial blocks, `{% extends %}`:
 *
 * ```handlebars
 * {{!-- WebApp/base.html: the layout. `{{> @partial-block}}` is the child's content,
 *       `{{#> title}}…{{/title}}` a block with a default the child may replace. --}}
 * <title>{{#> title}}My site{{/title}}</title>
 * <main>{{> @partial-block}}</main>
 *
 * {{!-- WebApp/hits.html: Django's {% extends "WebApp/base.html" %} + {% block %} --}}
 * {{#> "WebApp/base.html"}}
 *   {{#*inline "title"}}Hits{{/inline}}
 *   <p>Number of hits: {{hit}}</p>
 * {{/"WebApp/base.html"}}
 * ```
 *
 * `{{x}}` is HTML-escaped; `{{{x}}}` is not (Django's `|safe`). Helpers: `url`, `json`, `eq`, and
 * `csrf_input` / `csrf_token` (the CSRF form field and token, Django's `{% csrf_token %}`).
 * Rendered for a request, a template also sees what the context processors give (`messages`).
 *
 * @example
 * const engine = await TemplateEngine.create({ dirs: [`${base}/templates`], appDirs: [], debug: false });
 * engine.render('home.html', { name: 'Tango' });
 */
export class TemplateEngine {
  readonly #env = Handlebars.create();
  /** Search roots: `dirs` then `appDirs`, duplicates removed. */
  readonly #roots: readonly string[];
  /** Per root, template name -> source. */
  readonly #sources: Map<string, string>[];
  /** Name -> the root index that provides it (the first root holding the name wins). */
  readonly #winner = new Map<string, number>();
  readonly #compiled = new Map<string, Compiled>();
  readonly #closers: (() => void)[] = [];
  /** DEBUG reloads run one after another, so events are applied in the order they arrived. */
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(roots: readonly string[], sources: Map<string, string>[]) {
    this.#roots = roots;
    this.#sources = sources;
    this.#env.registerHelper(BUILTIN_HELPERS);
    for (let i = sources.length - 1; i >= 0; i--) {
      for (const name of sources[i]!.keys()) this.#winner.set(name, i);
    }
    for (const name of this.#winner.keys()) this.#registerPartial(name);
  }

  /**
   * Reads every file under the template directories (in parallel, async) and, with `debug`,
   * starts watching them.
   */
  static async create(options: TemplateEngineOptions): Promise<TemplateEngine> {
    const roots = [...new Set([...options.dirs, ...options.appDirs].map((d) => path.resolve(d)))];
    const engine = new TemplateEngine(roots, await Promise.all(roots.map(loadRoot)));
    if (options.debug) await engine.#watch(options.watchMode ?? 'recursive');
    return engine;
  }

  /**
   * The engine for a project's `TEMPLATES` setting: `DIRS` relative to `BASE_DIR`, then the
   * apps' `templates/` folders when `APP_DIRS` (default true), watching when `DEBUG`.
   *
   * @example
   * const engine = await TemplateEngine.fromSettings(settings, registry.apps);
   */
  static fromSettings(
    settings: Readonly<Settings>,
    apps: readonly Pick<InstalledApp, 'templatesDir'>[],
  ): Promise<TemplateEngine> {
    return TemplateEngine.create({
      dirs: settings.TEMPLATES.flatMap((t) =>
        (t.DIRS ?? []).map((d) => path.resolve(settings.BASE_DIR, d)),
      ),
      appDirs: settings.TEMPLATES.some((t) => t.APP_DIRS ?? true)
        ? apps.flatMap((a) => (a.templatesDir ? [a.templatesDir] : []))
        : [],
      debug: settings.DEBUG,
    });
  }

  /** True when a template with this name exists (nothing is compiled). */
  has(name: string): boolean {
    return this.#winner.has(name);
  }

  /** Names of every template, in no particular order. */
  names(): string[] {
    return [...this.#winner.keys()];
  }

  /**
   * Renders a template. `request`, when given, is in the context as `request` (Django's
   * request context processor), with the values of the installed context processors
   * (`setContextProcessor`: `messages` once `tango/messages` is loaded); the context's own keys
   * win. Throws `TemplateDoesNotExist` (with the paths tried) or `TemplateSyntaxError`.
   *
   * @example
   * engine.render('WebApp/hits.html', { hit: 3 }, request);
   */
  render(name: string, context: object = {}, request?: HttpRequest): string {
    const template = this.#get(name);
    const data = request === undefined ? context : requestContext(request, context);
    try {
      return template(data);
    } catch (error) {
      const missing = error instanceof Error ? MISSING_PARTIAL.exec(error.message) : null;
      if (missing && !this.has(missing[1]!))
        throw new TemplateDoesNotExist(missing[1]!, this.#tried(missing[1]!));
      throw error;
    }
  }

  /** Stops DEBUG watchers. Rendering still works from what is loaded. */
  close(): void {
    this.#closed = true;
    for (const close of this.#closers.splice(0)) close();
  }

  #tried(name: string): string[] {
    return this.#roots.map((root) => path.join(root, ...name.split('/')));
  }

  #get(name: string): Compiled {
    const cached = this.#compiled.get(name);
    if (cached) return cached;
    const index = this.#winner.get(name);
    if (index === undefined) throw new TemplateDoesNotExist(name, this.#tried(name));
    let ast: hbs.AST.Program;
    try {
      ast = this.#env.parse(this.#sources[index]!.get(name)!);
    } catch (error) {
      throw new TemplateSyntaxError(
        name,
        path.join(this.#roots[index]!, name),
        (error as Error).message,
      );
    }
    const compiled = this.#env.compile(ast, COMPILE_OPTIONS);
    this.#compiled.set(name, compiled);
    return compiled;
  }

  /**
   * A partial that renders through the same compile cache, so `{{> name}}` and
   * `render(name)` share one compiled function and one invalidation.
   */
  #registerPartial(name: string): void {
    this.#env.registerPartial(name, (context: unknown, options?: RuntimeOptions) =>
      this.#get(name)(context, options),
    );
  }

  async #watch(mode: WatchMode): Promise<void> {
    const closers = await Promise.all(
      this.#roots.map((root, index) =>
        watchTree(root, (relative) => this.#queue(index, relative), mode),
      ),
    );
    this.#closers.push(...closers);
  }

  #queue(index: number, relative: string | null): void {
    this.#reloading = this.#reloading
      .then(() => (this.#closed ? undefined : this.#reload(index, relative)))
      .catch(() => undefined); // a file mid-write: the next event reads it again
  }

  /** Applies one change event: re-read the file, or rescan the whole root. */
  async #reload(index: number, relative: string | null): Promise<void> {
    const root = this.#roots[index]!;
    const sources = this.#sources[index]!;
    if (
      relative === null ||
      relative.split('/').some((part) => part.startsWith('.') || part === '..')
    ) {
      if (relative !== null) return; // a hidden file (editor swap file): not a template
      return this.#rescan(index);
    }
    try {
      sources.set(relative, await readFile(path.join(root, relative), 'utf8'));
      this.#refresh(relative);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || (code === 'ENOENT' && !sources.has(relative))) {
        // A directory appeared, vanished or was renamed: its files may not get their own events.
        return this.#rescan(index);
      }
      if (code !== 'ENOENT') throw error;
      sources.delete(relative);
      this.#refresh(relative);
    }
  }

  async #rescan(index: number): Promise<void> {
    const fresh = await loadRoot(this.#roots[index]!);
    const old = this.#sources[index]!;
    const names = new Set([...old.keys(), ...fresh.keys()]);
    this.#sources[index] = fresh;
    for (const name of names) this.#refresh(name);
  }

  /** Recomputes which root provides `name` and drops its compiled function. */
  #refresh(name: string): void {
    this.#compiled.delete(name);
    const index = this.#sources.findIndex((s) => s.has(name));
    if (index === -1) {
      this.#winner.delete(name);
      this.#env.unregisterPartial(name);
    } else {
      if (!this.#winner.has(name)) this.#registerPartial(name);
      this.#winner.set(name, index);
    }
  }
}

/**
 * `{ request, ...processors, ...context }` without reading the processors' getters: a lazy
 * value (auth's `user`) is read only if the template uses it. The view's keys win.
 */
function requestContext(request: HttpRequest, context: object): Record<string, unknown> {
  const data: Record<string, unknown> = { request };
  processorContext(request, data);
  Object.defineProperties(data, Object.getOwnPropertyDescriptors(context));
  return data;
}
