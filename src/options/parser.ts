import { durationMagnitude, MAX_DURATION } from './duration.js';
import { OptionsError } from './errors.js';
import { Lexer, type Token } from './lexer.js';

/** Offsets into the script (UTF-16 code units, end exclusive). */
export interface Span {
  start: number;
  end: number;
}

export interface LiteralValues {
  string: string;
  int: bigint;
  float: number;
  duration: bigint;
  bool: boolean;
}

export type LiteralKind = keyof LiteralValues;

export type Literal = { [K in LiteralKind]: { kind: K; value: LiteralValues[K] } }[LiteralKind];

export type ValueNode = Literal & { span: Span };

export interface PropertyNode {
  key: string;
  /** From the first character of the key to the end of the value. */
  span: Span;
  value: ValueNode;
  /** Offset of the comma that follows the value, if any. */
  comma: number | null;
}

export interface RecordNode {
  /** From `{` to `}` inclusive. */
  span: Span;
  properties: PropertyNode[];
}

export const MISSING_TASK_OPTION = "missing required option: 'task'";

const INT64_MAX = 2n ** 63n - 1n;
const MAX_INT_DIGITS = 19;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', $: '$' };

/** Finds the first top-level `option task = { … }` statement and parses its record literal. */
export function parseTaskRecord(script: string): RecordNode {
  const lexer = new Lexer(script);
  if (findOptionTask(lexer) === null) throw new OptionsError(MISSING_TASK_OPTION);
  return new RecordParser(lexer).parseRecord();
}

/**
 * What an executor runs: the script without its `option task = {…}` statement. The statement's newlines
 * stay, so line numbers in error messages still match the script.
 */
export function scriptBody(script: string): string {
  const lexer = new Lexer(script);
  const start = findOptionTask(lexer);
  if (start === null) return script;
  const end = new RecordParser(lexer).parseRecord().span.end;
  return script.slice(0, start) + script.slice(start, end).replace(/[^\n]/g, '') + script.slice(end);
}

/** Advances the lexer past `option task =` at nesting depth 0; the offset of `option`, or null when there is none. */
function findOptionTask(lexer: Lexer): number | null {
  let depth = 0;
  let recent: string[] = [];
  let optionStart = 0;
  for (let token = lexer.next(); token.kind !== 'eof'; token = lexer.next()) {
    const text = token.kind === 'ident' || token.kind === 'punct' ? lexer.text(token) : '';
    if (depth === 0 && text === '=' && recent[0] === 'option' && recent[1] === 'task') return optionStart;
    if (text === '(' || text === '[' || text === '{') depth++;
    else if ((text === ')' || text === ']' || text === '}') && depth > 0) depth--;
    if (depth === 0 && text === 'option') optionStart = token.start;
    recent = [recent[1] ?? '', depth === 0 ? text : ''];
  }
  return null;
}

class RecordParser {
  private token: Token;

  constructor(private readonly lexer: Lexer) {
    this.token = lexer.next();
  }

  parseRecord(): RecordNode {
    const open = this.expectPunct('{');
    const properties: PropertyNode[] = [];
    const keys = new Set<string>();
    while (!this.atPunct('}')) {
      const property = this.parseProperty();
      if (keys.has(property.key)) this.fail(property.span.start, `duplicate key ${JSON.stringify(property.key)}`);
      keys.add(property.key);
      properties.push(property);
      if (this.atPunct('}')) break;
      if (!this.atPunct(',')) this.unexpected('"," or "}"');
      property.comma = this.advance().start;
    }
    return { span: { start: open.start, end: this.advance().end }, properties };
  }

  private parseProperty(): PropertyNode {
    const keyToken = this.token;
    let key: string;
    if (keyToken.kind === 'ident') key = this.lexer.text(keyToken);
    else if (keyToken.kind === 'string') key = this.decodeString(keyToken);
    else this.unexpected('identifier or "}"');
    this.advance();
    this.expectPunct(':');
    const value = this.parseValue();
    return { key, span: { start: keyToken.start, end: value.span.end }, value, comma: null };
  }

  private parseValue(): ValueNode {
    const first = this.advance();
    const text = this.lexer.text(first);
    const span = { start: first.start, end: first.end };
    switch (first.kind) {
      case 'string':
        return { kind: 'string', value: this.decodeString(first), span };
      case 'unterminated-string':
        return this.fail(first.start, 'unterminated string literal');
      case 'number':
        return { ...this.numberLiteral(first, false), span };
      case 'ident':
        if (text === 'true' || text === 'false') return { kind: 'bool', value: text === 'true', span };
        break;
      case 'punct':
        if (text === '-' && this.token.kind === 'number') {
          const number = this.advance();
          return { ...this.numberLiteral(number, true), span: { start: first.start, end: number.end } };
        }
        if (text === '-') this.unexpected('a number or duration after "-"');
        break;
    }
    return this.unexpected('a string, number, duration or boolean', first);
  }

  private numberLiteral(token: Token, negative: boolean): Literal {
    const text = this.lexer.text(token);
    if (/[^0-9.]/.test(text)) {
      const magnitude = durationMagnitude(text);
      const value = magnitude === null ? null : negative ? -magnitude : magnitude;
      if (value === null || value > MAX_DURATION) this.fail(token.start, `invalid duration ${quote(text)}`);
      return { kind: 'duration', value };
    }
    if (text.includes('.')) {
      if (!/^\d+\.\d+$/.test(text)) this.fail(token.start, `invalid number ${quote(text)}`);
      return { kind: 'float', value: negative ? -Number(text) : Number(text) };
    }
    const digits = text.replace(/^0+(?=.)/, '');
    const magnitude = digits.length > MAX_INT_DIGITS ? null : BigInt(digits);
    if (magnitude === null || magnitude > INT64_MAX + (negative ? 1n : 0n)) {
      this.fail(token.start, 'integer literal out of range');
    }
    return { kind: 'int', value: negative ? -magnitude : magnitude };
  }

  private decodeString(token: Token): string {
    const { src } = this.lexer;
    let value = '';
    let chunkStart = token.start + 1;
    for (let i = chunkStart; i < token.end - 1; i++) {
      const c = src[i];
      if (c === '$' && src[i + 1] === '{') this.fail(i, 'string interpolation is not allowed in option task');
      if (c !== '\\') continue;
      const escaped = ESCAPES[src[i + 1] ?? ''];
      if (escaped === undefined) this.fail(i, `invalid escape sequence ${quote(src.slice(i, i + 2))}`);
      value += src.slice(chunkStart, i) + escaped;
      chunkStart = ++i + 1;
    }
    return value + src.slice(chunkStart, token.end - 1);
  }

  private atPunct(text: string): boolean {
    return this.token.kind === 'punct' && this.lexer.text(this.token) === text;
  }

  private expectPunct(text: string): Token {
    if (!this.atPunct(text)) this.unexpected(quote(text));
    return this.advance();
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private unexpected(expected: string, token: Token = this.token): never {
    return this.fail(token.start, `expected ${expected} but got ${this.describe(token)}`);
  }

  private describe(token: Token): string {
    if (token.kind === 'eof') return 'end of script';
    if (token.kind === 'string' || token.kind === 'unterminated-string') return 'string literal';
    return quote(this.lexer.text(token));
  }

  private fail(offset: number, message: string): never {
    const { line, column } = lineAndColumn(this.lexer.src, offset);
    throw new OptionsError(`error parsing option task at ${line}:${column}: ${message}`);
  }
}

const MAX_QUOTED_LENGTH = 24;

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…` : text);
}

/** 1-based line and column (column in UTF-16 code units) of an offset. */
export function lineAndColumn(src: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = src.indexOf('\n'); i >= 0 && i < offset; i = src.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
