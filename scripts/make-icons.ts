// Writes the site's icons into public/ (run `npx tsx scripts/make-icons.ts` after changing the
// design; the outputs are committed). One design, drawn per pixel so that no image library is
// needed: the Matrix brackets "[ ]" around three lines of text, white on the archive's blue.
//   public/icon.svg              the scalable icon (modern browsers)
//   public/favicon.ico           32 px and 16 px PNGs in an ICO container (/favicon.ico)
//   public/apple-touch-icon.png  180 px
//   public/icon-512.png          512 px (web manifests, link previews)
import { writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";

const OUT = path.join(import.meta.dirname, "..", "public");
const BLUE = [3, 105, 161] as const; // sky-700
const WHITE = [255, 255, 255] as const;

// The design on a 32-unit grid: rectangles [x, y, width, height] painted white.
const SHAPES: Array<[number, number, number, number]> = [
  // left bracket
  [5, 6, 2, 20],
  [5, 6, 5, 2],
  [5, 24, 5, 2],
  // right bracket
  [25, 6, 2, 20],
  [22, 6, 5, 2],
  [22, 24, 5, 2],
  // three lines of a day's messages
  [11, 11, 10, 2],
  [11, 15, 7, 2],
  [11, 19, 9, 2],
];

function inShape(u: number, v: number): boolean {
  return SHAPES.some(([x, y, w, h]) => u >= x && u < x + w && v >= y && v < y + h);
}

/** RGBA pixels of the icon at `size` px, each pixel sampled 4×4 for smooth edges. */
function pixels(size: number): Buffer {
  const data = Buffer.alloc(size * size * 4);
  const radius = size * 0.18;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let white = 0;
      let inside = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const x = px + (sx + 0.5) / 4;
          const y = py + (sy + 0.5) / 4;
          // Rounded square: corners cut by circles of `radius`.
          const cx = Math.min(Math.max(x, radius), size - radius);
          const cy = Math.min(Math.max(y, radius), size - radius);
          if ((x - cx) ** 2 + (y - cy) ** 2 > radius ** 2) continue;
          inside++;
          if (inShape((x / size) * 32, (y / size) * 32)) white++;
        }
      }
      const o = (py * size + px) * 4;
      const t = inside === 0 ? 0 : white / inside;
      for (let c = 0; c < 3; c++) data[o + c] = Math.round(BLUE[c]! * (1 - t) + WHITE[c]! * t);
      data[o + 3] = Math.round((inside / 16) * 255);
    }
  }
  return data;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

function png(size: number): Buffer {
  const rgba = pixels(size);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** An ICO file whose entries are PNGs (supported by every current browser). */
function ico(sizes: number[]): Buffer {
  const images = sizes.map(png);
  const head = Buffer.alloc(6 + 16 * sizes.length);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(sizes.length, 4);
  let offset = head.length;
  sizes.forEach((size, i) => {
    const e = 6 + 16 * i;
    head.writeUInt8(size >= 256 ? 0 : size, e);
    head.writeUInt8(size >= 256 ? 0 : size, e + 1);
    head.writeUInt16LE(1, e + 4);
    head.writeUInt16LE(32, e + 6);
    head.writeUInt32LE(images[i]!.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += images[i]!.length;
  });
  return Buffer.concat([head, ...images]);
}

function svg(): string {
  const rects = SHAPES.map(([x, y, w, h]) => `<rect x="${x}" y="${y}" width="${w}" height="${h}"/>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="5.76" fill="rgb(${BLUE.join(",")})"/><g fill="#fff">${rects}</g></svg>\n`;
}

writeFileSync(path.join(OUT, "icon.svg"), svg());
writeFileSync(path.join(OUT, "favicon.ico"), ico([32, 16]));
writeFileSync(path.join(OUT, "apple-touch-icon.png"), png(180));
writeFileSync(path.join(OUT, "icon-512.png"), png(512));
console.log("icons written to public/");
