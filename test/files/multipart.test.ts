// The streaming multipart reader: every split of the input gives the same parts; malformed bodies fail clearly.
import { describe, expect, test } from 'bun:test'
import { MultipartReader, multipartBoundary, parseParams } from '../../src/modules/files/multipart-stream.ts'
import { sanitizeName, contentDisposition } from '../../src/modules/files/names.ts'
import { parseRange } from '../../src/modules/files/range.ts'

function streamOf(data: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = []
  let at = 0
  for (const c of [...cuts, data.length]) {
    pieces.push(data.slice(at, c))
    at = c
  }
  return new ReadableStream({
    pull(ctrl) {
      const p = pieces.shift()
      if (p === undefined) ctrl.close()
      else ctrl.enqueue(p)
    },
  })
}

async function parse(data: Uint8Array, boundary: string, cuts: number[] = []) {
  const r = new MultipartReader(streamOf(data, cuts).getReader(), boundary)
  const out: { name: string; filename: string | null; contentType: string | null; data: string }[] = []
  for (let h = await r.nextPart(); h; h = await r.nextPart()) {
    const chunks: Uint8Array[] = []
    for (let c = await r.read(); c; c = await r.read()) chunks.push(c.slice())
    out.push({ ...h, data: Buffer.concat(chunks).toString('latin1') })
  }
  return out
}

const B = 'AaB03x'
const body = Buffer.from(
  [
    'preamble to ignore\r\n',
    `--${B}\r\nContent-Disposition: form-data; name="session_id"\r\n\r\nabc\r\n`,
    `--${B}  \r\ncontent-disposition: form-data; name="file"; filename="a \\"q\\".txt"\r\nContent-Type: text/plain\r\n\r\n`,
    `line1 --${B} not a boundary (no CRLF before)\r\n\r\n--AaB03 almost\r\n--${B.slice(0, 4)}`,
    `\r\n--${B}\r\nContent-Disposition: form-data; name="empty"\r\n\r\n\r\n--${B}--\r\nepilogue`,
  ].join(''),
  'latin1',
)
const expected = [
  { name: 'session_id', filename: null, contentType: null, data: 'abc' },
  {
    name: 'file',
    filename: 'a "q".txt',
    contentType: 'text/plain',
    data: `line1 --${B} not a boundary (no CRLF before)\r\n\r\n--AaB03 almost\r\n--${B.slice(0, 4)}`,
  },
  { name: 'empty', filename: null, contentType: null, data: '' },
]

describe('MultipartReader', () => {
  test('parses fields, a file with boundary-like content, padding, preamble and epilogue', async () => {
    expect(await parse(body, B)).toEqual(expected)
  })

  test('every single split point and every byte-by-byte delivery give the same result', async () => {
    for (let i = 1; i < body.length; i++) expect(await parse(body, B, [i])).toEqual(expected)
    expect(
      await parse(
        body,
        B,
        Array.from({ length: body.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(expected)
  })

  test('random splits of a large binary part keep every byte', async () => {
    const payload = crypto.getRandomValues(new Uint8Array(200_000))
    const data = Buffer.concat([
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n`),
      payload,
      Buffer.from(`\r\n--${B}--`),
    ])
    for (let round = 0; round < 5; round++) {
      const cuts = Array.from({ length: 40 }, () => Math.floor(Math.random() * data.length)).sort((a, b) => a - b)
      const [part] = await parse(data, B, cuts)
      expect(Buffer.from(part!.data, 'latin1').equals(Buffer.from(payload))).toBe(true)
    }
  })

  test("file data comes out as views of the chunks read, never copies (copies double an upload's garbage)", async () => {
    const head = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n`)
    const data = Array.from({ length: 8 }, (_, i) => new Uint8Array(65536).fill(0x41 + i))
    const chunks = [head, ...data, Buffer.from(`\r\n--${B}--`)]
    const r = new MultipartReader(
      new ReadableStream<Uint8Array>({
        pull: (c) => {
          const p = chunks.shift()
          p ? c.enqueue(p) : c.close()
        },
      }).getReader(),
      B,
    )
    await r.nextPart()
    let n = 0
    for (let piece = await r.read(); piece; piece = await r.read()) {
      expect(data.some((d) => d.buffer === piece.buffer)).toBe(true)
      n += piece.length
    }
    expect(n).toBe(8 * 65536)
  })

  test('malformed bodies are 400 BAD_REQUEST', async () => {
    const bad = async (text: string) => {
      const err = await parse(Buffer.from(text), B).catch((e) => e)
      expect(err).toMatchObject({ code: 'BAD_REQUEST', status: 400 })
    }
    await bad('no boundary at all')
    await bad(`--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated`)
    await bad(`--${B}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${B}--`)
    await bad(`--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\nx\r\n--${B}--`)
    await bad(`--${B}junk\r\n`)
  })

  test('boundary and parameter parsing', () => {
    expect(multipartBoundary('multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk')).toBe(
      '----WebKitFormBoundary7MA4YWxk',
    )
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe('a b:c')
    expect(multipartBoundary('application/json')).toBeNull()
    expect(multipartBoundary('multipart/form-data')).toBeNull()
    expect(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeNull()
    expect(parseParams(`form-data; name="file"; filename="C:\\dir\\a.txt"`)).toEqual({
      name: 'file',
      filename: 'C:\\dir\\a.txt',
    })
  })
})

describe('names and ranges', () => {
  test('sanitizeName', () => {
    expect(sanitizeName('../../etc/passwd')).toBe('passwd')
    expect(sanitizeName('C:\\Users\\me\\report.pdf')).toBe('report.pdf')
    expect(sanitizeName('a<b>c:d"e|f?g*h.txt')).toBe('a_b_c_d_e_f_g_h.txt')
    expect(sanitizeName('...')).toBe('file')
    expect(sanitizeName('  name.txt. . ')).toBe('name.txt')
    expect(sanitizeName('e\u0301cole.txt')).toBe('école.txt')
  })

  test('contentDisposition has an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('résumé "1".txt')).toBe(
      `attachment; filename="r_sum_ _1_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.txt`,
    )
  })

  test('parseRange', () => {
    expect(parseRange(null, 10)).toEqual({ kind: 'full' })
    expect(parseRange('bytes=2-4', 10)).toEqual({ kind: 'partial', start: 2, end: 4 })
    expect(parseRange('bytes=2-', 10)).toEqual({ kind: 'partial', start: 2, end: 9 })
    expect(parseRange('bytes=-20', 10)).toEqual({ kind: 'partial', start: 0, end: 9 })
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=5-2', 10)).toEqual({ kind: 'full' })
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'full' })
    expect(parseRange('bytes=0-1,3-4', 10)).toEqual({ kind: 'full' })
  })
})
