// Typed session data (sessions/typing.ts): a project declares `SessionFields` once and
// `request.session.get`/`set`/`setDefault`/`pop`/`update` are checked against it. The
// declaration is global to a program, so the declared case is compiled as a project of its
// own (a temporary directory, `tango/*` mapped to this checkout's sources) with the TypeScript
// compiler: it must compile with no error, every `@ts-expect-error` being used. The undeclared
// case is checked right here, by `tsc -p tsconfig.json` (expectTypeOf).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Session } from '../../../src/runtime/sessions/session.js';
import type {
  DeclaredKey,
  SessionValue,
  UndeclaredKey,
} from '../../../src/runtime/sessions/typing.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('typed session data', () => {
  it('helper types: declared keys take their type, others unknown', () => {
    interface Shape {
      hit: number;
      user?: string;
    }
    expectTypeOf<DeclaredKey<Shape>>().toEqualTypeOf<'hit' | 'user'>();
    expectTypeOf<SessionValue<Shape, 'hit'>>().toEqualTypeOf<number>();
    expectTypeOf<SessionValue<Shape, 'user'>>().toEqualTypeOf<string | undefined>();
    expectTypeOf<SessionValue<Shape, 'other'>>().toEqualTypeOf<unknown>();
    expectTypeOf<SessionValue<Shape, string>>().toEqualTypeOf<unknown>();
    expectTypeOf<UndeclaredKey<Shape, 'other'>>().toEqualTypeOf<'other'>();
    expectTypeOf<UndeclaredKey<Shape, 'hit'>>().toEqualTypeOf<never>();
  });

  it('without a declaration, the session is as untyped as before', () => {
    // Types only: never called.
    const check = (session: Session) => {
      expectTypeOf(session.get('hit')).toEqualTypeOf<unknown>();
      expectTypeOf(session.get('hit', 0)).toEqualTypeOf<number>();
      expectTypeOf(session.get<string>('name')).toEqualTypeOf<string | undefined>();
      expectTypeOf(session.setDefault('cart', [] as string[])).toEqualTypeOf<string[]>();
      expectTypeOf(session.pop<number>('hit', 0)).toEqualTypeOf<number>();
      session.set('hit', 'anything');
      session.update({ hit: 'anything' });
    };
    expect(check).toBeTypeOf('function');
  });

  it(
    "a project's SessionFields declaration types request.session (compiled as a project of its own)",
    { timeout: 180_000 },
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tango-typing-'));
      try {
        const file = path.join(dir, 'views.mts');
        writeFileSync(file, FIXTURE);
        const program = ts.createProgram([file], {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
          baseUrl: dir,
          paths: {
            'tango/sessions': [path.join(ROOT, 'src/runtime/sessions/index.ts')],
            'tango/http': [path.join(ROOT, 'src/runtime/http/index.ts')],
          },
        });
        const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
          const where = d.file
            ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
            : '';
          return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
        });
        // No error, and (TS2578) no @ts-expect-error left unused: each marked line is an error.
        expect(diagnostics).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** A project file: the declaration, then what it allows and refuses. */
const FIXTURE = `
import type { HttpRequest } from 'tango/http';
import type { Session } from 'tango/sessions';

declare module 'tango/sessions' {
  interface SessionFields {
    hit: number;
    user?: string;
    cart: string[];
  }
}

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

export async function view(request: HttpRequest): Promise<void> {
  const session = request.session;

  const hit = session.get('hit');
  assertType<Equals<typeof hit, number | undefined>>();
  const counted = session.get('hit', 0) + 1;
  assertType<Equals<typeof counted, number>>();
  const user = session.get('user', null);
  assertType<Equals<typeof user, string | null>>();
  const other = session.get('other');
  assertType<Equals<typeof other, unknown>>();
  const typedOther = session.get<number>('other', 0);
  assertType<Equals<typeof typedOther, number>>();

  session.set('hit', counted);
  // @ts-expect-error: hit is declared as a number
  session.set('hit', 'x');
  // @ts-expect-error: cart holds strings
  session.set('cart', [1]);
  // @ts-expect-error: a declared optional key still takes only its type
  session.set('user', 42);
  session.set('user', 'alice');
  session.set('other', { anything: true });
  const dynamic: string = 'computed';
  session.set(dynamic, 'a key known only as a string is not checked');

  // @ts-expect-error: a wrong default cannot be stored under a declared key
  session.setDefault('hit', 'zero');
  const cart = session.setDefault('cart', []);
  assertType<Equals<typeof cart, string[]>>();

  const popped = session.pop('hit');
  assertType<Equals<typeof popped, number>>();
  const poppedOrNull = session.pop('user', null);
  assertType<Equals<typeof poppedOrNull, string | null>>();

  session.update({ hit: 2, other: 'x' });
  // @ts-expect-error: update checks declared keys too
  session.update({ hit: 'two' });

  await session.save();
}

export function helper(session: Session): number {
  return session.get('hit', 0);
}
`;
