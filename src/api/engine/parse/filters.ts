/**
 * Filters (`id=eq.5`, `tags=cs.{a,b}`, `name=in.("a,b",c)`, `actors.name=not.is.null`) and the
 * pieces every other query-parameter grammar shares: the scanner, field names, JSON paths,
 * quoted values and the operator expression.
 *
 * PostgREST parses these with Parsec and returns Parsec's error text verbatim
 * (`"failed to parse filter (eq)" (line 1, column 3)` + `unexpected end of input expecting …`).
 * Clients and tests match on those strings, so the scanner below reproduces Parsec's error
 * bookkeeping: errors at the same position merge, the furthest one wins, consuming input
 * drops what was pending, a failure after consuming input is final unless wrapped in
 * `attempt` (Parsec's `try`), and `label` replaces the "expecting" list of a parser that
 * failed without consuming anything.
 */
import { ApiError } from '../../../shared/errors.ts';
import { memoize } from './memo.ts';
import type { Field, FtsOperator, JsonPathStep, OpExpr, PathFilter, SimpleOperator } from './types.ts';
import { restErrorWith } from '../errors.ts';

// ---------------------------------------------------------------------------------------------
// Scanner with Parsec-compatible error reporting
// ---------------------------------------------------------------------------------------------

/** Parsec's message kinds (its free-text `Message` kind is never produced here). */
const SYS_UNEXPECT = 0;
const UNEXPECT = 1;
const EXPECT = 2;

interface Msg {
  kind: number;
  /** The message, or the raw character/string when `show` says how to print it. */
  text: string;
  /** Formatting is deferred to the final message: most recorded errors are never shown. */
  show?: 'string' | 'char';
}

interface ParseErr {
  /** Index (in code points) where the error happened. */
  pos: number;
  msgs: Msg[];
}

function mergeErr(a: ParseErr, b: ParseErr): ParseErr {
  if (b.msgs.length === 0 && a.msgs.length > 0) return a;
  if (a.msgs.length === 0 && b.msgs.length > 0) return b;
  if (a.pos === b.pos) return { pos: a.pos, msgs: [...a.msgs, ...b.msgs] };
  return a.pos > b.pos ? a : b;
}

/** Shared by every "no error yet" state; message lists are never mutated in place. */
const NO_MSGS: Msg[] = [];

/** Empty failure: nothing was consumed, so alternatives may still be tried. */
export const FAIL: unique symbol = Symbol('parse-fail');
export type Res<T> = T | typeof FAIL;

/** Thrown for a failure after input was consumed; only `attempt` turns it back into FAIL. */
class ConsumedFailure {}
const CONSUMED = new ConsumedFailure();

const ASCII_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'a', 'b', 't', 'n', 'v', 'f', 'r', 'SO', 'SI',
  'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
];

/** Haskell's `showLitChar`: how Parsec prints a character inside its messages. */
function showLit(c: string, next: string | undefined, quote: '"' | "'"): string {
  const code = c.codePointAt(0)!;
  if (code > 127) {
    // A numeric escape followed by a digit needs `\&` to stay unambiguous.
    return `\\${code}` + (next !== undefined && /[0-9]/.test(next) ? '\\&' : '');
  }
  if (code === 127) return '\\DEL';
  if (c === '\\') return '\\\\';
  if (c === quote) return `\\${quote}`;
  if (code >= 32) return c;
  const esc = `\\${ASCII_NAMES[code]}`;
  return code === 14 && next === 'H' ? `${esc}\\&` : esc;
}

/** `show "..."` */
function showString(s: string): string {
  const cs = Array.from(s);
  return `"${cs.map((c, i) => showLit(c, cs[i + 1], '"')).join('')}"`;
}

/** `show 'c'` */
function showChar(c: string): string {
  return `'${showLit(c, undefined, "'")}'`;
}

function render(m: Msg): string {
  if (m.show === 'string') return showString(m.text);
  if (m.show === 'char') return showChar(m.text);
  return m.text;
}

function showErrorMessages(msgs: Msg[]): string {
  if (msgs.length === 0) return 'unknown parse error';
  const ofKind = (k: number) => msgs.filter((m) => m.kind === k).map(render);
  const clean = (xs: string[]) => [...new Set(xs.filter((x) => x !== ''))];
  const commasOr = (xs: string[]) =>
    xs.length <= 1 ? (xs[0] ?? '') : `${clean(xs.slice(0, -1)).join(', ')} or ${xs[xs.length - 1]}`;
  const showMany = (pre: string, xs: string[]) => {
    const ms = clean(xs);
    if (ms.length === 0) return '';
    return pre === '' ? commasOr(ms) : `${pre} ${commasOr(ms)}`;
  };
  const sys = ofKind(SYS_UNEXPECT);
  const unexpect = ofKind(UNEXPECT);
  let showSys = '';
  if (unexpect.length === 0 && sys.length > 0) {
    showSys = sys[0] === '' ? 'unexpected end of input' : `unexpected ${sys[0]}`;
  }
  const parts = [showSys, showMany('unexpected', unexpect), showMany('expecting', ofKind(EXPECT))];
  return clean(parts).join(' ').trim();
}

/** Parsec's SourcePos: tabs advance to the next multiple of 8, newlines start a new line. */
function sourcePos(cs: string[], pos: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < pos && i < cs.length; i++) {
    if (cs[i] === '\n') {
      line++;
      column = 1;
    } else if (cs[i] === '\t') {
      column = column + 8 - ((column - 1) % 8);
    } else {
      column++;
    }
  }
  return { line, column };
}

export class Scanner {
  readonly cs: string[];
  pos = 0;
  err: ParseErr = { pos: 0, msgs: NO_MSGS };

  constructor(src: string) {
    // Parsec counts columns in characters, not UTF-16 units.
    this.cs = Array.from(src);
  }

  private addErr(pos: number, msgs: Msg[]): void {
    this.err = mergeErr(this.err, { pos, msgs });
  }

  private advance(n: number): void {
    this.pos += n;
    this.err = { pos: this.pos, msgs: NO_MSGS };
  }

  /** Fail from a production that started at `start`: final if anything was consumed since. */
  bail(start: number): typeof FAIL {
    if (this.pos !== start) throw CONSUMED;
    return FAIL;
  }

  /** One character matching `pred`; `label` is what the error says was expected. */
  sat(pred: (c: string) => boolean, label?: string | Msg): Res<string> {
    const c = this.cs[this.pos];
    if (c !== undefined && pred(c)) {
      this.advance(1);
      return c;
    }
    const msgs: Msg[] = [c === undefined ? { kind: SYS_UNEXPECT, text: '' } : { kind: SYS_UNEXPECT, text: c, show: 'string' }];
    if (label !== undefined) msgs.push(typeof label === 'string' ? { kind: EXPECT, text: label } : label);
    this.addErr(this.pos, msgs);
    return FAIL;
  }

  char(c: string): Res<string> {
    return this.sat((x) => x === c, { kind: EXPECT, text: c, show: 'string' });
  }

  anyChar(): Res<string> {
    return this.sat(() => true);
  }

  /**
   * A literal string. Like Parsec's `string`, a mismatch after the first character counts as
   * consumed (so it needs `attempt` to backtrack) and is reported at the string's start.
   */
  str(s: string): Res<string> {
    const ts = Array.from(s);
    for (let i = 0; i < ts.length; i++) {
      const x = this.cs[this.pos + i];
      if (x === ts[i]) continue;
      const msgs: Msg[] = [
        x === undefined ? { kind: SYS_UNEXPECT, text: '' } : { kind: SYS_UNEXPECT, text: x, show: 'string' },
        { kind: EXPECT, text: s, show: 'string' },
      ];
      if (i === 0) {
        this.addErr(this.pos, msgs);
        return FAIL;
      }
      this.err = { pos: this.pos, msgs };
      throw CONSUMED;
    }
    this.advance(ts.length);
    return s;
  }

  eof(): Res<true> {
    const c = this.cs[this.pos];
    if (c === undefined) {
      this.addErr(this.pos, [{ kind: SYS_UNEXPECT, text: '' }, { kind: EXPECT, text: 'end of input' }]);
      return true;
    }
    this.addErr(this.pos, [{ kind: UNEXPECT, text: c, show: 'char' }, { kind: EXPECT, text: 'end of input' }]);
    return FAIL;
  }

  /** Parsec's `try`: a failure after consuming input becomes an empty failure. */
  attempt<T>(p: () => Res<T>): Res<T> {
    const start = this.pos;
    const saved = this.err;
    try {
      return p();
    } catch (e) {
      if (e !== CONSUMED) throw e;
      this.pos = start;
      this.err = mergeErr(saved, this.err);
      return FAIL;
    }
  }

  /** Parsec's `lookAhead`: succeed without consuming anything. */
  look<T>(p: () => Res<T>): Res<T> {
    const start = this.pos;
    const saved = this.err;
    const r = p();
    if (r === FAIL) return FAIL;
    this.pos = start;
    this.err = saved;
    return r;
  }

  /** Parsec's `notFollowedBy` for a one-character parser. */
  notFollowedBy(p: () => Res<string>): Res<true> {
    const start = this.pos;
    const saved = this.err;
    const r = this.attempt(p);
    if (r === FAIL) return true;
    const after = this.pos;
    this.pos = start;
    this.err = mergeErr(saved, { pos: after, msgs: [{ kind: UNEXPECT, text: r, show: 'char' }] });
    return FAIL;
  }

  /** Parsec's `<?>`: name what was expected when `p` fails (or stops) without consuming input. */
  label<T>(name: string, p: () => Res<T>): Res<T> {
    const start = this.pos;
    const saved = this.err;
    this.err = { pos: start, msgs: NO_MSGS };
    const r = p();
    if (this.pos === start) {
      if (r === FAIL || this.err.msgs.length > 0) {
        this.err = { pos: this.err.pos, msgs: [{ kind: EXPECT, text: name }, ...this.err.msgs.filter((m) => m.kind !== EXPECT)] };
      }
      this.err = mergeErr(saved, this.err);
    }
    return r;
  }

  alt<T>(...ps: Array<() => Res<T>>): Res<T> {
    for (const p of ps) {
      const r = p();
      if (r !== FAIL) return r;
    }
    return FAIL;
  }

  optional<T>(p: () => Res<T>): T | undefined {
    const r = p();
    return r === FAIL ? undefined : r;
  }

  many<T>(p: () => Res<T>): T[] {
    const out: T[] = [];
    for (;;) {
      const start = this.pos;
      const r = p();
      if (r === FAIL) return out;
      // A grammar bug, not bad input: it would loop forever.
      if (this.pos === start) throw new Error('many: parser succeeded without consuming input');
      out.push(r);
    }
  }

  many1<T>(p: () => Res<T>): Res<T[]> {
    const first = p();
    if (first === FAIL) return FAIL;
    return [first, ...this.many(p)];
  }

  sepBy1<T>(p: () => Res<T>, sep: () => Res<unknown>): Res<T[]> {
    const first = p();
    if (first === FAIL) return FAIL;
    const out = [first];
    for (;;) {
      const start = this.pos;
      if (sep() === FAIL) return out;
      const r = p();
      if (r === FAIL) return this.bail(start);
      out.push(r);
    }
  }

  sepBy<T>(p: () => Res<T>, sep: () => Res<unknown>): T[] {
    const r = this.sepBy1(p, sep);
    return r === FAIL ? [] : r;
  }

  /**
   * Run a whole grammar the way PostgREST does: trailing input after a successful parse is
   * ignored, and a failure becomes a 400 PGRST100 named after `name`.
   */
  static run<T>(name: string, src: string, p: (s: Scanner) => Res<T>): T {
    const s = new Scanner(src);
    let r: Res<T>;
    try {
      r = p(s);
    } catch (e) {
      if (e instanceof RangeError) {
        // Nesting deep enough to exhaust the stack is a client error, not a crash.
        const { line, column } = sourcePos(s.cs, s.pos);
        throw restErrorWith('PGRST100', `"${name}" (line ${line}, column ${column})`, { details: 'nesting too deep' });
      }
      if (e !== CONSUMED) throw e;
      r = FAIL;
    }
    if (r !== FAIL) return r;
    const { line, column } = sourcePos(s.cs, s.err.pos);
    throw restErrorWith('PGRST100', `"${name}" (line ${line}, column ${column})`, {
      details: showErrorMessages(s.err.msgs),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Shared grammar pieces
// ---------------------------------------------------------------------------------------------

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c > '\x7f' && /^\p{L}$/u.test(c));
const isDigit = (c: string) => c >= '0' && c <= '9';

/** Haskell's `T.strip`. */
function stripSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r\p{Zs}]+|[\t\n\v\f\r\p{Zs}]+$/gu, '');
}

export function ws(s: Scanner): void {
  s.many(() => s.sat((c) => c === ' ' || c === '\t'));
}

/** `p` surrounded by optional blanks (spaces and tabs). */
export function lexeme<T>(s: Scanner, p: () => Res<T>): Res<T> {
  const start = s.pos;
  ws(s);
  const r = p();
  if (r === FAIL) return s.bail(start);
  ws(s);
  return r;
}

export function between<T>(s: Scanner, open: string, close: string, p: () => Res<T>): Res<T> {
  const start = s.pos;
  if (s.char(open) === FAIL) return FAIL;
  const r = p();
  if (r === FAIL) return s.bail(start);
  if (s.char(close) === FAIL) return s.bail(start);
  return r;
}

/** `"…"` with backslash escapes; the quotes are dropped. */
export function quotedValue(s: Scanner): Res<string> {
  const start = s.pos;
  if (s.char('"') === FAIL) return FAIL;
  const chars = s.many(() =>
    s.alt(
      () => s.sat((c) => c !== '\\' && c !== '"'),
      () => {
        const at = s.pos;
        if (s.char('\\') === FAIL) return FAIL;
        const c = s.anyChar();
        return c === FAIL ? s.bail(at) : c;
      },
    ),
  );
  if (s.char('"') === FAIL) return s.bail(start);
  return chars.join('');
}

/** A quoted value that must end its list item (followed by `,`, `)` or the end). */
export function quotedItem(s: Scanner): Res<string> {
  return s.attempt(() => {
    const start = s.pos;
    const q = quotedValue(s);
    if (q === FAIL) return FAIL;
    if (s.notFollowedBy(() => s.sat((c) => c !== ',' && c !== ')')) === FAIL) return s.bail(start);
    return q;
  });
}

/** Letters, digits, `_`, `$` and spaces, trimmed: column names and cast types. */
export function identifier(s: Scanner): Res<string> {
  const chars = s.many1(() =>
    s.alt(
      () => s.sat(isLetter, 'letter'),
      () => s.sat(isDigit, 'digit'),
      () => s.sat((c) => c === '_' || c === ' ' || c === '$'),
    ),
  );
  return chars === FAIL ? FAIL : stripSpace(chars.join(''));
}

/** Parts joined by `-`, where a `-` starting `->` is left for the JSON path. */
function sepByDash(s: Scanner, part: () => Res<string>): Res<string> {
  const dash = () =>
    s.attempt(() => {
      const start = s.pos;
      if (s.char('-') === FAIL) return FAIL;
      if (s.notFollowedBy(() => s.char('>')) === FAIL) return s.bail(start);
      return '-';
    });
  const parts = s.sepBy1(part, dash);
  return parts === FAIL ? FAIL : parts.join('-');
}

export const FIELD_NAME_LABEL = 'field name (* or [a..z0..9_$])';

/** A column, relation or alias name: an identifier (dashes allowed) or a quoted string. */
export function fieldName(s: Scanner): Res<string> {
  return s.label(FIELD_NAME_LABEL, () =>
    s.alt(
      () => quotedValue(s),
      () => sepByDash(s, () => identifier(s)),
    ),
  );
}

function jsonKeyName(s: Scanner): Res<string> {
  return s.label('any non reserved character different from: .,>()', () =>
    s.alt(
      () => quotedValue(s),
      () =>
        sepByDash(s, () => {
          const cs = s.many1(() => s.sat((c) => !'(-:.,>)'.includes(c)));
          return cs === FAIL ? FAIL : stripSpace(cs.join(''));
        }),
    ),
  );
}

/** An array index is only an index when the path step ends right after its digits. */
function jsonIndex(s: Scanner): Res<number> {
  const start = s.pos;
  const minus = s.optional(() => s.char('-'));
  const digits = s.many1(() => s.sat(isDigit, 'digit'));
  if (digits === FAIL) return s.bail(start);
  const ended = s.alt<unknown>(
    () => s.attempt(() => s.look(() => s.str('->'))),
    () => s.attempt(() => s.look(() => s.str('::'))),
    () => s.attempt(() => s.look(() => s.str('.'))),
    () => s.attempt(() => s.look(() => s.str(','))),
    () => s.attempt(() => s.eof()),
  );
  if (ended === FAIL) return s.bail(start);
  const n = Number((minus ?? '') + digits.join(''));
  return n === 0 ? 0 : n; // no -0
}

/** Zero or more `->key` / `->>key` / `->0` steps. */
export function jsonPath(s: Scanner): JsonPathStep[] {
  return s.many(() => {
    const start = s.pos;
    const op = s.alt<'->' | '->>'>(
      () => s.attempt(() => s.str('->>') as Res<'->>'>),
      () => s.attempt(() => s.str('->') as Res<'->'>),
    );
    if (op === FAIL) return FAIL;
    const key = s.alt<string | number>(
      () => s.attempt(() => jsonIndex(s)),
      () => s.attempt(() => jsonKeyName(s)),
    );
    if (key === FAIL) return s.bail(start);
    return { op, key };
  });
}

/** A field name with an optional JSON path, surrounded by optional blanks. */
export function field(s: Scanner): Res<Field> {
  return lexeme(s, () => {
    const name = fieldName(s);
    if (name === FAIL) return FAIL;
    return { name, jsonPath: jsonPath(s) };
  });
}

export function delimiter(s: Scanner): Res<string> {
  return s.label('delimiter (.)', () => s.char('.'));
}

/** `word.` as one token, e.g. `not.`, `in.`. */
export function keyword(s: Scanner, word: string): Res<true> {
  const start = s.pos;
  if (s.str(word) === FAIL) return FAIL;
  if (delimiter(s) === FAIL) return s.bail(start);
  return true;
}

/** A parameter key: `a.b.col->x` → embed path ['a','b'] and the field `col->x`. */
export function treePath(s: Scanner): Res<{ path: string[]; field: Field }> {
  const names = s.sepBy1(() => fieldName(s), () => delimiter(s));
  if (names === FAIL) return FAIL;
  const jp = jsonPath(s);
  return { path: names.slice(0, -1), field: { name: names[names.length - 1], jsonPath: jp } };
}

/** Memoized: an app's filter keys repeat across requests (the values are what vary). */
export const parseTreePath: (key: string) => { path: string[]; field: Field } = memoize((key) =>
  Scanner.run(`failed to parse tree path (${key})`, key, treePath),
);

// ---------------------------------------------------------------------------------------------
// Operator expressions
// ---------------------------------------------------------------------------------------------

/** Operators that take a plain value and no quantifier. */
const PLAIN_OPS = ['neq', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj'] as const;
/** Operators that accept `(any)` / `(all)`; `gte`/`lte` are tried before `gt`/`lt`. */
const QUANT_OPS = ['eq', 'gte', 'gt', 'lte', 'lt', 'like', 'ilike', 'match', 'imatch'] as const;
const FTS_OPS: FtsOperator[] = ['fts', 'plfts', 'phfts', 'wfts'];
const IS_VALUES = ['null', 'not_null', 'true', 'false', 'unknown'] as const;

function oneOfWords<W extends string>(s: Scanner, words: readonly W[]): Res<W> {
  return s.alt(...words.map((w) => () => s.attempt(() => s.str(w) as Res<W>)));
}

/** Each letter in either lower or upper case, like PostgREST's `is.NULL`. */
function ciWord(s: Scanner, word: string): Res<string> {
  const start = s.pos;
  for (const c of word) {
    const upper = c.toUpperCase();
    if (s.alt(() => s.char(c), () => s.char(upper)) === FAIL) return s.bail(start);
  }
  return word;
}

/** `(a,"b,c", d)`: items are kept as written, except quoted ones which are unquoted. */
export function listVal(s: Scanner): Res<string[]> {
  const start = s.pos;
  if (lexeme(s, () => s.char('(')) === FAIL) return FAIL;
  const items = s.sepBy1(
    () =>
      s.alt(
        () => quotedItem(s),
        () => s.many(() => s.sat((c) => c !== ',' && c !== ')')).join(''),
      ),
    () => s.char(','),
  );
  if (items === FAIL) return s.bail(start);
  if (lexeme(s, () => s.char(')')) === FAIL) return s.bail(start);
  return items;
}

/** A top-level filter value runs to the end of the parameter, dots and all. */
export function singleVal(s: Scanner): string {
  return s.many(() => s.anyChar()).join('');
}

export function starToPercent(op: SimpleOperator, value: string): string {
  return op === 'like' || op === 'ilike' ? value.replaceAll('*', '%') : value;
}

/**
 * `[not.]op[(any|all)].value`, `in.(…)`, `is.…`, `isdistinct.…`, `fts[(lang)].…`.
 * `value` reads the operand: the rest of the text for top-level filters, up to `,`/`)` in logic trees.
 */
export function opExpr(s: Scanner, value: () => string): Res<{ negated: boolean; expr: OpExpr }> {
  const start = s.pos;
  const negated = s.attempt(() => keyword(s, 'not')) !== FAIL;

  const inOp = (): Res<OpExpr> => {
    const at = s.pos;
    if (s.attempt(() => keyword(s, 'in')) === FAIL) return FAIL;
    const values = listVal(s);
    return values === FAIL ? s.bail(at) : { kind: 'in', values };
  };
  const isOp = (): Res<OpExpr> => {
    const at = s.pos;
    if (s.attempt(() => keyword(s, 'is')) === FAIL) return FAIL;
    const v = s.label('isVal: (null, not_null, true, false, unknown)', () =>
      s.alt(...IS_VALUES.map((w) => () => s.attempt(() => ciWord(s, w) as Res<(typeof IS_VALUES)[number]>))),
    );
    return v === FAIL ? s.bail(at) : { kind: 'is', value: v };
  };
  const isDistinctOp = (): Res<OpExpr> => {
    if (s.attempt(() => keyword(s, 'isdistinct')) === FAIL) return FAIL;
    return { kind: 'simple', op: 'isdistinct', value: value() };
  };
  const ftsOp = (): Res<OpExpr> => {
    const at = s.pos;
    const op = oneOfWords(s, FTS_OPS);
    if (op === FAIL) return FAIL;
    const language = s.optional(() => s.attempt(() => between(s, '(', ')', () => identifier(s))));
    if (delimiter(s) === FAIL) return s.bail(at);
    const expr: OpExpr = { kind: 'fts', op, value: value() };
    if (language !== undefined) expr.language = language;
    return expr;
  };
  const plainOp = (): Res<OpExpr> => {
    const at = s.pos;
    const op = s.label('unknown single value operator', () => oneOfWords(s, PLAIN_OPS));
    if (op === FAIL) return FAIL;
    if (delimiter(s) === FAIL) return s.bail(at);
    return { kind: 'simple', op, value: value() };
  };
  const quantOp = (): Res<OpExpr> => {
    const at = s.pos;
    const op = s.label('unknown single value operator', () => oneOfWords(s, QUANT_OPS));
    if (op === FAIL) return FAIL;
    const quant = s.optional(() =>
      s.attempt(() =>
        between(s, '(', ')', () =>
          s.alt<'any' | 'all'>(() => s.attempt(() => s.str('any') as Res<'any'>), () => s.str('all') as Res<'all'>),
        ),
      ),
    );
    if (delimiter(s) === FAIL) return s.bail(at);
    const expr: OpExpr = { kind: 'simple', op, value: starToPercent(op, value()) };
    if (quant !== undefined) expr.quant = quant;
    return expr;
  };

  const expr = s.label('operator (eq, gt, ...)', () =>
    s.alt(
      inOp,
      isOp,
      isDistinctOp,
      () => s.attempt(ftsOp),
      () => s.attempt(plainOp),
      () => s.attempt(quantOp),
    ),
  );
  if (expr === FAIL) return s.bail(start);
  return { negated, expr };
}

// ---------------------------------------------------------------------------------------------
// Entry point: one `key=value` filter parameter
// ---------------------------------------------------------------------------------------------

/**
 * `eq.x`, `neq.x`, `gt(e).x`, `lt(e).x`: the commonest filters, read without the scanner,
 * which allocates more than the rest of a request together. The result is the one opExpr
 * gives (test/unit/filter-fast-path.test.ts compares them); anything else goes to opExpr.
 */
const SIMPLE_FILTER = /^(eq|neq|gt|gte|lt|lte)\./;

/** `actors.name=not.eq.x` → the filter on `name` under the `actors` embed. */
export function parseFilterParam(key: string, value: string): PathFilter {
  const { path, field: fld } = parseTreePath(key);
  const simple = SIMPLE_FILTER.exec(value);
  const { negated, expr } = simple
    ? { negated: false, expr: { kind: 'simple' as const, op: simple[1] as SimpleOperator, value: value.slice(simple[0].length) } }
    : Scanner.run(`failed to parse filter (${value})`, value, (s) => opExpr(s, () => singleVal(s)));
  return { path, tree: { kind: 'filter', filter: { field: fld, negated, expr } } };
}
