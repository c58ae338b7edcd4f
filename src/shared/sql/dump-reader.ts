/**
 * A streaming splitter for SQL scripts (Basalt's exports, `pg_dump --format=plain`):
 * turns text, pushed in chunks of any size, into statements, COPY … FROM stdin data
 * blocks and psql meta-commands, the way psql's lexer does. It understands '…', E'…',
 * "…", $tag$…$tag$, -- and nested /* *\/ comments, parentheses and the BEGIN … END of
 * SQL-standard function bodies. Pure: no I/O; memory is bounded by one chunk plus the
 * statement being read (COPY data is handed out line batch by line batch).
 */
import { StringDecoder } from 'node:string_decoder';

export type DumpEvent =
  /** An ordinary SQL statement, without its terminating semicolon. */
  | { type: 'statement'; sql: string; firstWord: string; line: number }
  /** `COPY … FROM stdin`; 'data' events (whole lines, newline-terminated) and 'copy-end' follow. */
  | { type: 'copy'; sql: string; line: number }
  | { type: 'data'; text: string }
  | { type: 'copy-end' }
  /** A psql backslash command (\connect, \restrict, …), whole line; the caller decides what to do. */
  | { type: 'meta'; command: string; line: number };

type State = 'normal' | 'squote' | 'esquote' | 'dquote' | 'line-comment' | 'block-comment' | 'dollar' | 'copy' | 'skip-line';

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;
const DOLLAR_PREFIX = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?$/;

export class DumpSplitter {
  private pending = '';
  private stmt = '';
  private state: State = 'normal';
  private tag = '';
  private commentDepth = 0;
  private parenDepth = 0;
  private beginDepth = 0;
  /** Non-blank text outside comments in the current statement. */
  private hasContent = false;
  private words: string[] = [];
  private prevWord = '';
  private fromStdin = false;
  private line = 1;
  private stmtLine = 1;
  private afterCopy = false;

  /** Feeds the next piece of text; returns the events it completes. */
  push(chunk: string): DumpEvent[] {
    return this.scan(this.pending + chunk, false);
  }

  /** End of input: flushes a last statement without semicolon, or an unterminated COPY block. */
  end(): DumpEvent[] {
    const out = this.scan(this.pending, true);
    if (this.state === 'copy') {
      out.push({ type: 'copy-end' });
      this.state = 'normal';
    } else if (this.state === 'normal' || this.state === 'line-comment' || this.state === 'skip-line') {
      this.emitStatement(out);
    } else {
      throw new Error(`Unterminated ${describe(this.state)} in the statement starting at line ${this.stmtLine}`);
    }
    return out;
  }

  private emitStatement(out: DumpEvent[]) {
    const sql = this.stmt.trim();
    const first = this.words[0] ?? '';
    if (this.hasContent) {
      if (first === 'COPY' && this.fromStdin) {
        out.push({ type: 'copy', sql, line: this.stmtLine });
        this.afterCopy = true;
      } else {
        out.push({ type: 'statement', sql, firstWord: first, line: this.stmtLine });
      }
    }
    this.stmt = '';
    this.hasContent = false;
    this.words = [];
    this.prevWord = '';
    this.fromStdin = false;
    this.parenDepth = 0;
    this.beginDepth = 0;
    this.stmtLine = this.line;
  }

  private onWord(word: string) {
    const w = word.toUpperCase();
    if (this.words.length < 4) this.words.push(w);
    if (w === 'STDIN' && this.prevWord === 'FROM') this.fromStdin = true;
    this.prevWord = w;
    const [a, b, c, d] = this.words;
    const createsRoutine = a === 'CREATE' && (b === 'FUNCTION' || b === 'PROCEDURE' || (b === 'OR' && c === 'REPLACE' && (d === 'FUNCTION' || d === 'PROCEDURE')));
    if (createsRoutine && this.parenDepth === 0) {
      if (w === 'BEGIN') this.beginDepth++;
      else if (w === 'CASE' && this.beginDepth > 0) this.beginDepth++;
      else if (w === 'END' && this.beginDepth > 0) this.beginDepth--;
    }
  }

  private scan(text: string, final: boolean): DumpEvent[] {
    const out: DumpEvent[] = [];
    const n = text.length;
    let i = 0;
    let seg = 0; // start of the text not yet appended to this.stmt
    let data = ''; // COPY lines gathered in this call
    const flushSeg = (to: number) => {
      if (to > seg) this.stmt += text.slice(seg, to);
      seg = to;
    };
    const countLines = (from: number, to: number) => {
      for (let k = text.indexOf('\n', from); k !== -1 && k < to; k = text.indexOf('\n', k + 1)) this.line++;
    };

    scan: while (i < n) {
      switch (this.state) {
        case 'copy': {
          const nl = text.indexOf('\n', i);
          if (nl === -1 && !final) break scan;
          const end = nl === -1 ? n : nl;
          const lineText = text.slice(i, end);
          this.line++;
          if (lineText === '\\.' || lineText === '\\.\r') {
            if (data) out.push({ type: 'data', text: data });
            data = '';
            out.push({ type: 'copy-end' });
            this.state = 'normal';
            this.stmtLine = this.line;
          } else {
            data += lineText + '\n';
          }
          i = seg = end + 1;
          continue;
        }
        case 'skip-line': {
          // The rest of a COPY … FROM stdin; line, or a meta-command line.
          const nl = text.indexOf('\n', i);
          if (nl === -1 && !final) break scan;
          const end = nl === -1 ? n : nl;
          if (!this.afterCopy) out.push({ type: 'meta', command: (this.stmt + text.slice(seg, end)).trim(), line: this.stmtLine });
          this.stmt = '';
          this.line++;
          i = seg = end + 1;
          this.state = this.afterCopy ? 'copy' : 'normal';
          this.afterCopy = false;
          this.stmtLine = this.line;
          continue;
        }
        case 'line-comment': {
          const nl = text.indexOf('\n', i);
          if (nl === -1) {
            i = n;
            break scan;
          }
          this.line++;
          i = nl + 1;
          this.state = 'normal';
          continue;
        }
        case 'block-comment': {
          const ch = text[i];
          if (ch === '*' || ch === '/') {
            if (i + 1 >= n && !final) break scan;
            if (ch === '*' && text[i + 1] === '/') {
              i += 2;
              if (--this.commentDepth === 0) this.state = 'normal';
              continue;
            }
            if (ch === '/' && text[i + 1] === '*') {
              i += 2;
              this.commentDepth++;
              continue;
            }
          }
          if (ch === '\n') this.line++;
          i++;
          continue;
        }
        case 'squote':
        case 'dquote': {
          const q = this.state === 'squote' ? "'" : '"';
          const k = text.indexOf(q, i);
          if (k === -1) {
            countLines(i, n);
            i = n;
            break scan;
          }
          if (k + 1 >= n && !final) {
            countLines(i, k);
            i = k;
            break scan;
          }
          countLines(i, k);
          if (text[k + 1] === q) {
            i = k + 2;
            continue;
          }
          i = k + 1;
          this.state = 'normal';
          continue;
        }
        case 'esquote': {
          const ch = text[i];
          if (ch === '\\' || ch === "'") {
            if (i + 1 >= n && !final) break scan;
            if (ch === '\\') {
              if (text[i + 1] === '\n') this.line++;
              i += 2;
              continue;
            }
            if (text[i + 1] === "'") {
              i += 2;
              continue;
            }
            i++;
            this.state = 'normal';
            continue;
          }
          if (ch === '\n') this.line++;
          i++;
          continue;
        }
        case 'dollar': {
          const k = text.indexOf(this.tag, i);
          if (k === -1) {
            const keep = Math.max(i, n - this.tag.length + 1);
            countLines(i, keep);
            i = keep;
            break scan;
          }
          countLines(i, k);
          i = k + this.tag.length;
          this.state = 'normal';
          continue;
        }
        case 'normal': {
          const ch = text[i];
          if (ch === '\n') {
            this.line++;
            i++;
            continue;
          }
          if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') {
            i++;
            continue;
          }
          if (!this.hasContent) this.stmtLine = this.line;
          if (ch === '-' || ch === '/') {
            if (i + 1 >= n && !final) break scan;
            if (ch === '-' && text[i + 1] === '-') {
              this.state = 'line-comment';
              i += 2;
              continue;
            }
            if (ch === '/' && text[i + 1] === '*') {
              this.state = 'block-comment';
              this.commentDepth = 1;
              i += 2;
              continue;
            }
          }
          if (ch === '\\' && !this.hasContent) {
            // A psql meta-command: the whole line; comments before it are dropped.
            this.stmt = '';
            seg = i;
            this.state = 'skip-line';
            continue;
          }
          if (ch === "'") {
            this.hasContent = true;
            this.state = 'squote';
            i++;
            continue;
          }
          if (ch === '"') {
            this.hasContent = true;
            this.state = 'dquote';
            i++;
            continue;
          }
          if (ch === '$') {
            const rest = text.slice(i, i + 256);
            const m = DOLLAR_TAG.exec(rest);
            if (m) {
              this.hasContent = true;
              this.tag = m[0];
              this.state = 'dollar';
              i += m[0].length;
              continue;
            }
            if (!final && n - i < 256 && DOLLAR_PREFIX.test(text.slice(i))) break scan;
            this.hasContent = true;
            i++;
            continue;
          }
          if (WORD_START.test(ch)) {
            let k = i + 1;
            while (k < n && WORD_CHAR.test(text[k])) k++;
            if (k >= n && !final) break scan;
            const word = text.slice(i, k);
            this.hasContent = true;
            this.onWord(word);
            i = k;
            if ((word === 'E' || word === 'e') && text[k] === "'") {
              this.state = 'esquote';
              i = k + 1;
            }
            continue;
          }
          if (ch >= '0' && ch <= '9') {
            // A number (or the tail of one): never the start of a word or a dollar quote.
            let k = i + 1;
            while (k < n && /[0-9A-Za-z_.]/.test(text[k])) k++;
            if (k >= n && !final) break scan;
            this.hasContent = true;
            i = k;
            continue;
          }
          this.hasContent = true;
          if (ch === '(') this.parenDepth++;
          else if (ch === ')') this.parenDepth = Math.max(0, this.parenDepth - 1);
          else if (ch === ';' && this.parenDepth === 0 && this.beginDepth === 0) {
            flushSeg(i);
            i = seg = i + 1;
            this.emitStatement(out);
            if (this.afterCopy) this.state = 'skip-line';
            continue;
          }
          i++;
          continue;
        }
      }
    }
    if (data) out.push({ type: 'data', text: data });
    if (this.state === 'copy' || this.state === 'skip-line') {
      this.pending = text.slice(seg);
    } else {
      flushSeg(i);
      this.pending = text.slice(i);
    }
    return out;
  }
}

function describe(s: State): string {
  return { squote: 'quoted string', esquote: 'quoted string', dquote: 'quoted identifier', 'block-comment': 'comment', dollar: 'dollar-quoted string' }[s as string] ?? s;
}

/** Splits a byte stream (UTF-8) into dump events, chunk by chunk. */
export async function* readDump(source: AsyncIterable<Buffer | string>): AsyncGenerator<DumpEvent> {
  const splitter = new DumpSplitter();
  const dec = new StringDecoder('utf8');
  let first = true;
  for await (const piece of source) {
    let text = typeof piece === 'string' ? piece : dec.write(piece);
    if (first && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
      first = false;
    }
    yield* splitter.push(text);
  }
  yield* splitter.push(dec.end());
  yield* splitter.end();
}
