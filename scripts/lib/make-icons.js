// Draws the app icons (192, 512, maskable 512) as PNG from the same shapes as
// web/icons/icon.svg, with no dependencies (node's zlib). Run: node scripts/lib/make-icons.js
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      // 4x supersampling for smooth edges
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < 2; sy++) for (let sx = 0; sx < 2; sx++) {
        const p = pixel((x + (sx + 0.5) / 2) / size * 64, (y + (sy + 0.5) / 2) / size * 64);
        r += p[0]; g += p[1]; b += p[2]; a += p[3];
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r / 4; raw[o + 1] = g / 4; raw[o + 2] = b / 4; raw[o + 3] = a / 4;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const inTri = (x, y, [ax, ay], [bx, by], [cx, cy]) => {
  const d = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = d(x, y, ax, ay, bx, by), d2 = d(x, y, bx, by, cx, cy), d3 = d(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
const inRoundRect = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), 64 - r), cy = Math.min(Math.max(y, r), 64 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};

function icon(maskable) {
  const s = maskable ? 0.72 : 1;   // maskable: keep the art inside the safe zone
  return (X, Y) => {
    const x = 32 + (X - 32) / s, y = 32 + (Y - 32) / s;
    if (!maskable && !inRoundRect(X, Y, 14)) return [0, 0, 0, 0];
    if ((x - 45) ** 2 + (y - 17) ** 2 <= 25) return [255, 255, 255, 255];
    if (inTri(x, y, [14, 46], [28, 22], [36, 34]) || inTri(x, y, [14, 46], [36, 34], [52, 46]) ||
        inTri(x, y, [36, 34], [42, 26], [52, 46])) return [243, 211, 107, 255];
    return [14, 90, 76, 255];
  };
}

const out = path.join(__dirname, '..', '..', 'web', 'icons');
fs.writeFileSync(path.join(out, 'icon-192.png'), png(192, icon(false)));
fs.writeFileSync(path.join(out, 'icon-512.png'), png(512, icon(false)));
fs.writeFileSync(path.join(out, 'icon-maskable-512.png'), png(512, icon(true)));
console.log('icons written to', out);
