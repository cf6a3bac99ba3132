import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../src/options/index.js';
import { parseTaskRecord, type RecordNode } from '../../src/options/parser.js';

function values(record: RecordNode): Record<string, unknown> {
  return Object.fromEntries(record.properties.map((p) => [p.key, p.value.value]));
}

function parseError(script: string): string {
  try {
    parseTaskRecord(script);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    return (error as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('record literal', () => {
  it('parses every literal kind', () => {
    const record = parseTaskRecord(
      'option task = {s: "a\\"b\\\\c\\n\\t\\r\\${x}", i: 42, n: -7, f: 1.25, d: 1h30m, nd: -5s, t: true, b: false,}',
    );
    expect(values(record)).toEqual({
      s: 'a"b\\c\n\t\r${x}',
      i: 42n,
      n: -7n,
      f: 1.25,
      d: 5_400_000_000_000n,
      nd: -5_000_000_000n,
      t: true,
      b: false,
    });
    expect(record.properties.map((p) => p.value.kind)).toEqual(['string', 'int', 'int', 'float', 'duration', 'duration', 'bool', 'bool']);
  });

  it('records the source span of every value, key and the record', () => {
    const script = 'x = 1\noption task = { name: "a b" , every:-1m,\n "quoted key": 5 }\ny = 2';
    const record = parseTaskRecord(script);
    const slice = (span: { start: number; end: number }) => script.slice(span.start, span.end);
    expect(slice(record.span)).toBe('{ name: "a b" , every:-1m,\n "quoted key": 5 }');
    expect(record.properties.map((p) => slice(p.value.span))).toEqual(['"a b"', '-1m', '5']);
    expect(record.properties.map((p) => slice(p.span))).toEqual(['name: "a b"', 'every:-1m', '"quoted key": 5']);
    expect(record.properties.map((p) => (p.comma === null ? null : script[p.comma]))).toEqual([',', ',', null]);
    expect(record.properties[2]?.key).toBe('quoted key');
  });

  it('allows comments anywhere inside the record', () => {
    const record = parseTaskRecord('option task = { // c1\n name // c2\n : // c3\n "a" // c4\n , // c5\n }');
    expect(values(record)).toEqual({ name: 'a' });
  });

  it('accepts an empty record and int64 bounds', () => {
    expect(parseTaskRecord('option task = {}').properties).toEqual([]);
    expect(values(parseTaskRecord('option task = {a: 9223372036854775807, b: -9223372036854775808}'))).toEqual({
      a: 2n ** 63n - 1n,
      b: -(2n ** 63n),
    });
  });
});

describe('finding option task', () => {
  it('reports a script without the statement', () => {
    for (const script of ['', 'x = 1', 'option now = () => 2020-01-01T00:00:00Z', 'option task.x = {}', 'option task == {}']) {
      expect(() => parseTaskRecord(script)).toThrow(new OptionsError("missing required option: 'task'"));
    }
  });

  it('skips strings, comments, regexes and nested blocks before it', () => {
    const script = [
      'a = "option task = {name: \\"fake\\"} }"',
      '// option task = {name: "comment"}',
      'b = "${ "nested } \\" string" + "${ "deeper {" }" } option task = {name: \\"x\\"}"',
      'c = r._value =~ /"option task = {/ and r.x !~ /a\\/"b/',
      'f = () => { option task = {name: "inner"} }',
      'd = 6 / 2 / 3',
      'option task = {name: "real"}',
      'e = "}" // }',
    ].join('\n');
    expect(values(parseTaskRecord(script))).toEqual({ name: 'real' });
  });

  it('ignores a byte order mark', () => {
    expect(values(parseTaskRecord('\uFEFFoption task = {name: "bom"}'))).toEqual({ name: 'bom' });
  });

  it('uses the first top-level statement', () => {
    expect(values(parseTaskRecord('option task = {name: "one"}\noption task = {name: "two"}'))).toEqual({ name: 'one' });
  });

  it('does not let an unterminated string in the rest swallow the statement', () => {
    expect(values(parseTaskRecord('option task = {name: "a"}\nx = "never closed'))).toEqual({ name: 'a' });
    expect(() => parseTaskRecord('x = "never closed\noption task = {name: "a"}')).toThrow("missing required option: 'task'");
  });
});

describe('parse errors name line and column', () => {
  it.each([
    ['option task = {\n  name: "a",\n  every: 1h : 3}', '3:13: expected "," or "}" but got ":"'],
    ['option task = {\n  name: "a",\n    every: 1h, foo: 2 : 3}', '3:23: expected "," or "}" but got ":"'],
    ['option task = [1]', '1:15: expected "{" but got "["'],
    ['option task = {name "a"}', '1:21: expected ":" but got string literal'],
    ['option task = {name: "a" every: 1h}', '1:26: expected "," or "}" but got "every"'],
    ['option task = {name: }', '1:22: expected a string, number, duration or boolean but got "}"'],
    ['option task = {name: foo}', '1:22: expected a string, number, duration or boolean but got "foo"'],
    ['option task = {1: 2}', '1:16: expected identifier or "}" but got "1"'],
    ['option task = {name: -"a"}', '1:23: expected a number or duration after "-" but got string literal'],
    ['option task = {name: --1s}', '1:23: expected a number or duration after "-" but got "-"'],
    ['option task = {name: "a"', '1:25: expected "," or "}" but got end of script'],
    ['option task = {name: "a\\q"}', '1:24: invalid escape sequence "\\\\q"'],
    ['option task = {name: "a${b}"}', '1:24: string interpolation is not allowed in option task'],
    ['option task = {name: "abc', '1:22: unterminated string literal'],
    ['option task = {every: 1hx}', '1:23: invalid duration "1hx"'],
    ['option task = {every: 1h30}', '1:23: invalid duration "1h30"'],
    ['option task = {every: 9223372036854775808ns}', '1:23: invalid duration "9223372036854775808ns"'],
    ['option task = {n: 9223372036854775808}', '1:19: integer literal out of range'],
    ['option task = {f: 1.5.2}', '1:19: invalid number "1.5.2"'],
    ['option task = {name: "a", name: "b"}', '1:27: duplicate key "name"'],
    ['\r\n\r\noption task = {\r\n\tname; "a"}', '4:6: expected ":" but got ";"'],
  ])('%j', (script, detail) => {
    expect(parseError(script)).toBe(`error parsing option task at ${detail}`);
  });

  it('shortens long tokens in messages', () => {
    expect(parseError(`option task = {name: ${'x'.repeat(100)}}`)).toBe(
      `error parsing option task at 1:22: expected a string, number, duration or boolean but got "${'x'.repeat(24)}…"`,
    );
  });
});
