import { describe, expect, it } from 'vitest';
import { gatherInput, type EntryType, type InputFs } from '../../../../src/analysis/inputs/gather';

/** A file system in memory: paths are 'a/b', entries carry a type and their bytes (or just a size). */
function memoryFs(entries: Record<string, { type: EntryType; size?: number }>): InputFs<string> & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    stat: async (p) => {
      const e = entries[p];
      if (e) return { type: e.type === 'symlink' ? 'file' : e.type, size: e.size ?? 3 };
      return Object.keys(entries).some((k) => k.startsWith(`${p}/`)) ? { type: 'directory', size: 0 } : null;
    },
    list: async (folder) => {
      const children = new Map<string, EntryType>();
      for (const [k, e] of Object.entries(entries)) {
        if (!k.startsWith(`${folder}/`)) continue;
        const rest = k.slice(folder.length + 1);
        // 'd/../x.png' is a name a hostile provider could list; a/b/c makes 'a/b' a folder of 'a'.
        if (rest.startsWith('../')) children.set(rest, e.type);
        else children.set(rest.split('/')[0], rest.includes('/') ? 'directory' : e.type);
      }
      return [...children].map(([name, type]) => ({ name, type }));
    },
    read: async (p) => { reads.push(p); return new Uint8Array(entries[p]?.size ?? 3); },
    join: (folder, name) => `${folder}/${name}`,
    show: (p) => p,
  };
}

describe('gathering the data a user points at', () => {
  it('reads a folder\'s PNG/JPEG files in natural name order and skips the rest, saying so', async () => {
    const fs = memoryFs({
      'd/img10.png': { type: 'file' }, 'd/img2.JPG': { type: 'file' }, 'd/img1.jpeg': { type: 'file' },
      'd/notes.txt': { type: 'file' }, 'd/link.png': { type: 'symlink' }, 'd/sub/x.png': { type: 'file' },
    });
    const data = await gatherInput(fs, ['d']);
    expect(data.kind).toBe('images');
    if (data.kind !== 'images') return;
    expect(data.files.map((f) => f.name)).toEqual(['img1.jpeg', 'img2.JPG', 'img10.png']);
    expect(data.note).toBe('skipped 3 entries that are not a PNG/JPEG file: link.png (symlink), notes.txt, sub (directory)');
    expect(fs.reads).toEqual(['d/img1.jpeg', 'd/img2.JPG', 'd/img10.png']); // nothing under sub/, not the link
  });
  it('caps the number of images and says which it took', async () => {
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`d/${String(i).padStart(2, '0')}.png`, { type: 'file' as const }]));
    const data = await gatherInput(memoryFs(files), ['d'], 5);
    expect(data.kind === 'images' && data.files.length).toBe(5);
    expect(data.kind === 'images' && data.note).toBe('the first 5 of 12 images by name; BN Lens reads at most 5');
  });
  it('checks sizes before reading', async () => {
    const fs = memoryFs({ 'd/big.png': { type: 'file', size: 65 * 2 ** 20 }, 'huge.npy': { type: 'file', size: 2 ** 31 } });
    await expect(gatherInput(fs, ['d'])).rejects.toThrow('d/big.png: the file is 65.0 MB; BN Lens reads data files up to 64.0 MB');
    await expect(gatherInput(fs, ['huge.npy'])).rejects.toThrow('huge.npy: the file is 2048.0 MB; BN Lens reads data files up to 1024.0 MB');
    expect(fs.reads).toEqual([]);
  });
  it('ignores entry names that would leave the folder', async () => {
    const fs = memoryFs({ 'd/../x.png': { type: 'file' }, 'd/ok.png': { type: 'file' } });
    const data = await gatherInput(fs, ['d']);
    expect(data.kind === 'images' && data.files.map((f) => f.name)).toEqual(['ok.png']);
  });
  it('reads an ONNX test data set folder as its input_0.pb, and asks for one set when given their parent', async () => {
    const fs = memoryFs({ 'm/test_data_set_0/input_0.pb': { type: 'file' }, 'm/test_data_set_0/output_0.pb': { type: 'file' }, 'm/test_data_set_1/input_0.pb': { type: 'file' } });
    expect(await gatherInput(fs, ['m/test_data_set_0'])).toMatchObject({ kind: 'tensorProto', file: 'm/test_data_set_0/input_0.pb' });
    await expect(gatherInput(fs, ['m'])).rejects.toThrow('m: the folder holds ONNX test data sets (test_data_set_0, test_data_set_1); choose one of them');
  });
  it('tells data files by their names and refuses the rest', async () => {
    const fs = memoryFs({ 'x.npz': { type: 'file' }, 'x.csv': { type: 'file' }, 'input_0.pb': { type: 'file' }, 'a.png': { type: 'file' }, 'b.png': { type: 'file' }, 'm.onnx': { type: 'file' }, 'e/readme.md': { type: 'file' } });
    expect((await gatherInput(fs, ['x.npz'])).kind).toBe('arrays');
    expect((await gatherInput(fs, ['x.csv'])).kind).toBe('csv');
    expect((await gatherInput(fs, ['input_0.pb'])).kind).toBe('tensorProto');
    expect(await gatherInput(fs, ['b.png', 'a.png'])).toMatchObject({ kind: 'images', source: '2 image files', files: [{ name: 'a.png' }, { name: 'b.png' }] });
    await expect(gatherInput(fs, ['m.onnx'])).rejects.toThrow('m.onnx: not a data file BN Lens reads: give a folder of images, PNG/JPEG files, a .npy/.npz array, an ONNX TensorProto (input_0.pb) or a .csv table');
    await expect(gatherInput(fs, ['a.png', 'x.csv'])).rejects.toThrow('x.csv: only image files (PNG, JPEG) can be given several at a time');
    await expect(gatherInput(fs, ['e'])).rejects.toThrow('e: the folder has no PNG or JPEG images and no ONNX test data (input_0.pb)');
    await expect(gatherInput(fs, ['nope'])).rejects.toThrow('nope: no such file or folder');
  });
});
