/** Bytes read as text strictly, a chunk at a time, wherever the chunks split a character. */
import { expect } from 'chai';
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8, InvalidTextError, loneSurrogateAt, StrictTextDecoder, type TextEncoding } from '../../lib/data/text-encoding';

/** The text of `chunks` read in turn with a decoder for `encoding`. */
function decode(encoding: TextEncoding, chunks: Buffer[]): string {
  const decoder = new StrictTextDecoder(encoding);
  let text = '';
  for (const chunk of chunks) text += decoder.write(chunk);
  return text + decoder.end();
}

/** The error decoding `chunks` fails with. */
function failure(encoding: TextEncoding, chunks: Buffer[]): InvalidTextError {
  try {
    decode(encoding, chunks);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidTextError);
    return error as InvalidTextError;
  }
  throw new Error('expected the bytes to be refused');
}

/** `bytes` cut at `at`. */
function cut(bytes: Buffer, at: number): Buffer[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

const TEXT = 'id,é,€\n1,"naïve 🎉 𝄞",日本\n';

describe('strict text decoding', () => {
  for (const encoding of ['utf8', 'utf16le', 'latin1'] as const) {
    it(`should read ${encoding} the same wherever the chunks are cut, and byte by byte`, () => {
      const text = encoding === 'latin1' ? 'id,é,ÿ\n1,"naïve ½",x\n' : TEXT;
      const bytes = Buffer.from(text, encoding);
      for (let at = 0; at <= bytes.length; at++) expect(decode(encoding, cut(bytes, at)), `cut at ${at}`).to.equal(text);
      expect(decode(encoding, Array.from(bytes, (b) => Buffer.from([b])))).to.equal(text);
    });
  }

  it('should drop a UTF-8 byte order mark and follow a UTF-16LE one, whatever was declared, cut anywhere', () => {
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]);
    for (let at = 0; at <= 6; at++) {
      expect(decode('utf8', cut(utf8, at))).to.equal(TEXT);
      expect(decode('latin1', cut(utf8, at))).to.equal(TEXT);
      expect(decode('utf8', cut(utf16, at))).to.equal(TEXT);
      expect(decode('utf16le', cut(utf16, at))).to.equal(TEXT);
    }
    expect(decode('utf8', [Buffer.from('ab')])).to.equal('ab');
    expect(decode('utf8', [])).to.equal('');
  });

  it('should refuse what is not UTF-8 at the offset where it starts, the text before it kept, wherever the chunks are cut', () => {
    const cases: Array<[string, number[], boolean]> = [
      ['a byte that starts nothing', [0xff], false],
      ['a lone continuation byte', [0x80], false],
      ['an overlong form', [0xc0, 0x80], false],
      ['an overlong three-byte form', [0xe0, 0x80, 0x80], false],
      ['a surrogate', [0xed, 0xa0, 0x80], false],
      ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], false],
      ['a character cut short by ASCII', [0xe2, 0x82, 0x41], false],
      ['a character the input ends inside', [0xf0, 0x9f, 0x8e], true],
    ];
    const before = Buffer.from('id,é\n1,€');
    for (const [what, bad, truncated] of cases) {
      const bytes = Buffer.concat([before, Buffer.from(bad), Buffer.from(truncated ? '' : 'z\n')]);
      for (let at = 0; at <= bytes.length; at++) {
        const error = failure('utf8', cut(bytes, at));
        expect(error.offset, `${what}, cut at ${at}`).to.equal(before.length);
        expect(error.truncated, what).to.equal(truncated);
        expect([...error.bytes.subarray(0, bad.length)], what).to.deep.equal(bad);
      }
      // The text before it in the same write (a cut character is found at the end, after the write).
      expect(failure('utf8', [bytes]).before, what).to.equal(truncated ? '' : 'id,é\n1,€');
    }
  });

  it('should find the first malformed UTF-8 sequence exactly where isUtf8 says the bytes are not UTF-8', () => {
    let state = 7;
    const next = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const pieces = [[0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x8e, 0x89], [0x80], [0xff], [0xed, 0xa0], [0xf4, 0x90], [0xc1]];
    for (let round = 0; round < 20_000; round++) {
      const bytes = Buffer.from(Array.from({ length: 1 + next(6) }, () => pieces[next(pieces.length)]).flat());
      const at = firstInvalidUtf8(bytes);
      expect(at === -1, bytes.toString('hex')).to.equal(isUtf8(bytes));
      if (at >= 0) expect(isUtf8(bytes.subarray(0, at)), bytes.toString('hex')).to.equal(true);
    }
  });

  it('should refuse UTF-16LE with a lone surrogate or an odd byte at the end, wherever the chunks are cut', () => {
    const before = Buffer.from('a,🎉\n', 'utf16le');
    const cases: Array<[string, Buffer, boolean]> = [
      ['a lone low surrogate', Buffer.from([0x00, 0xdc, 0x41, 0x00]), false],
      ['a high surrogate then no low one', Buffer.from([0x3c, 0xd8, 0x41, 0x00]), false],
      ['a high surrogate last', Buffer.from([0x3c, 0xd8]), false],
      ['an odd byte last', Buffer.from([0x41]), true],
    ];
    for (const [what, bad, truncated] of cases) {
      const bytes = Buffer.concat([before, bad]);
      for (let at = 0; at <= bytes.length; at++) {
        const error = failure('utf16le', cut(bytes, at));
        expect(error.offset, `${what}, cut at ${at}`).to.equal(before.length);
        expect(error.truncated, what).to.equal(truncated);
      }
    }
  });

  it('should find a lone surrogate in a string, and none in a well-formed one', () => {
    expect(loneSurrogateAt('a🎉b')).to.equal(-1);
    expect(loneSurrogateAt('ab\ud83c')).to.equal(2);
    expect(loneSurrogateAt('\udc00x')).to.equal(0);
    expect(loneSurrogateAt('🎉\ud83c\ud83c\udf89')).to.equal(2);
  });
});
