/**
 * Finds where JSON text stops being valid. Node 20's JSON.parse names the offending token but
 * often not its offset, and users need the line and column of their `--input` mistake.
 */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
}

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(): never {
    throw this.pos;
  }

  skipWhitespace(): void {
    while (/[ \t\n\r]/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  expect(literal: string): void {
    for (const ch of literal) {
      if (this.text[this.pos] !== ch) this.fail();
      this.pos++;
    }
  }

  value(): void {
    this.skipWhitespace();
    const ch = this.text[this.pos];
    if (ch === '{') this.object();
    else if (ch === '[') this.array();
    else if (ch === '"') this.string();
    else if (ch === 't') this.expect('true');
    else if (ch === 'f') this.expect('false');
    else if (ch === 'n') this.expect('null');
    else this.number();
    this.skipWhitespace();
  }

  object(): void {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') return void this.pos++;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail();
      this.string();
      this.skipWhitespace();
      this.expect(':');
      this.value();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] === '}') return void this.pos++;
      else this.fail();
    }
  }

  array(): void {
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') return void this.pos++;
    for (;;) {
      this.value();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] === ']') return void this.pos++;
      else this.fail();
    }
  }

  string(): void {
    this.pos++;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined || ch < ' ') this.fail();
      if (ch === '"') return void this.pos++;
      if (ch === '\\') {
        this.pos++;
        const esc = this.text[this.pos];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 1, this.pos + 5))) this.fail();
          this.pos += 4;
        } else if (!'"\\/bfnrt'.includes(esc ?? 'x')) this.fail();
      }
      this.pos++;
    }
  }

  number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) this.fail();
    this.pos += m[0].length;
  }
}

/** The first invalid position in `text`, or undefined when it is valid JSON. */
export function findJsonErrorPosition(text: string): JsonErrorPosition | undefined {
  const scanner = new Scanner(text);
  let offset: number;
  try {
    scanner.value();
    if (scanner.pos === text.length) return undefined;
    offset = scanner.pos;
  } catch (pos) {
    offset = typeof pos === 'number' ? pos : 0;
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { offset, line, column: offset - before.lastIndexOf('\n') };
}
