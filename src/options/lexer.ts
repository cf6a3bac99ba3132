/**
 * A Flux tokenizer that is total: it never throws, so the opaque rest of a script can hold anything.
 * Strings (with nested `${…}` interpolations), regex literals and `//` comments are single units, so
 * braces or quotes inside them never confuse the search for `option task`.
 */
export type TokenKind = 'ident' | 'number' | 'string' | 'unterminated-string' | 'regex' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

const TWO_CHAR_OPERATORS = new Set(['==', '!=', '<=', '>=', '=~', '!~', '=>', '<-', '|>']);
// After these keywords an operand is expected, so `/` starts a regex rather than a division.
const OPERAND_KEYWORDS = new Set(['and', 'or', 'not', 'return', 'if', 'then', 'else', 'in', 'exists']);

const isAsciiLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xfeff;
const isIdentStart = (c: number): boolean => isAsciiLetter(c) || c === 0x5f || c >= 0x80;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

export class Lexer {
  private pos = 0;
  private previous: Token | null = null;
  // A failed regex scan reached this offset (its line end); no new regex is tried before it, which
  // keeps lines full of unmatched `/` linear.
  private noRegexBefore = 0;

  constructor(readonly src: string) {}

  text(token: Token): string {
    return this.src.slice(token.start, token.end);
  }

  next(): Token {
    this.skipTrivia();
    const token = this.scan();
    this.previous = token;
    this.pos = token.end;
    return token;
  }

  private skipTrivia(): void {
    const { src } = this;
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (isSpace(c)) this.pos++;
      else if (c === 0x2f && src.charCodeAt(this.pos + 1) === 0x2f) this.pos = lineEnd(src, this.pos);
      else return;
    }
  }

  private scan(): Token {
    const { src, pos: start } = this;
    if (start >= src.length) return { kind: 'eof', start, end: start };
    const c = src.charCodeAt(start);
    if (c === 0x22) return scanString(src, start);
    if (isDigit(c)) return { kind: 'number', start, end: scanNumber(src, start) };
    if (isIdentStart(c)) {
      let end = start + 1;
      while (end < src.length && isIdentPart(src.charCodeAt(end))) end++;
      return { kind: 'ident', start, end };
    }
    if (c === 0x2f && start >= this.noRegexBefore && this.regexAllowed()) {
      const regex = this.scanRegex(start);
      if (regex) return regex;
    }
    const end = TWO_CHAR_OPERATORS.has(src.slice(start, start + 2)) ? start + 2 : start + 1;
    return { kind: 'punct', start, end };
  }

  private regexAllowed(): boolean {
    const prev = this.previous;
    if (prev === null) return true;
    if (prev.kind === 'punct') return ![')', ']', '}'].includes(this.text(prev));
    return prev.kind === 'ident' && OPERAND_KEYWORDS.has(this.text(prev));
  }

  private scanRegex(start: number): Token | null {
    const { src } = this;
    for (let i = start + 1; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 0x0a) break;
      if (c === 0x5c) i++;
      else if (c === 0x2f) return { kind: 'regex', start, end: i + 1 };
    }
    this.noRegexBefore = lineEnd(src, start);
    return null;
  }
}

function lineEnd(src: string, from: number): number {
  const newline = src.indexOf('\n', from);
  return newline < 0 ? src.length : newline;
}

/** Digits with an optional fraction and unit letters: `42`, `1.5`, `1h30m`, `1.5µs`. */
function scanNumber(src: string, start: number): number {
  let end = start;
  while (end < src.length) {
    const c = src.charCodeAt(end);
    const fraction = c === 0x2e && isDigit(src.charCodeAt(end + 1));
    if (!(isDigit(c) || isIdentStart(c) || fraction)) break;
    end++;
  }
  return end;
}

/**
 * Scans a string literal with nested interpolations iteratively (a stack of brace depths, one per
 * open `${`), so adversarial nesting cannot overflow the call stack.
 */
function scanString(src: string, start: number): Token {
  const interpolations: number[] = [];
  let inString = true;
  let i = start + 1;
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 2;
      else if (c === 0x24 && src.charCodeAt(i + 1) === 0x7b) {
        interpolations.push(0);
        inString = false;
        i += 2;
      } else if (c === 0x22) {
        if (interpolations.length === 0) return { kind: 'string', start, end: i + 1 };
        inString = false;
        i++;
      } else i++;
      continue;
    }
    const depth = interpolations.length - 1;
    if (c === 0x22) inString = true;
    else if (c === 0x2f && src.charCodeAt(i + 1) === 0x2f) i = lineEnd(src, i) - 1;
    else if (c === 0x7b) interpolations[depth]! += 1;
    else if (c === 0x7d) {
      if (interpolations[depth] === 0) {
        interpolations.pop();
        inString = true;
      } else interpolations[depth]! -= 1;
    }
    i++;
  }
  return { kind: 'unterminated-string', start, end: src.length };
}
