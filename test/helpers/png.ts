/** PNG checks for chart and screenshot tests. */
import { PNG } from 'pngjs';

/** Decodes a PNG and tells its size and how many distinct colours it has (capped). */
export function pngInfo(buf: Buffer): { width: number; height: number; colours: number } {
  const png = PNG.sync.read(buf);
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length && seen.size < 64; i += 4 * 7) seen.add(png.data.readUInt32BE(i));
  return { width: png.width, height: png.height, colours: seen.size };
}
