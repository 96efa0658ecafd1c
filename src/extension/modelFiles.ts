// Which files are model files BN Lens reads: the same patterns as the custom editor's selectors in
// package.json (a test checks the two agree).

const MODEL_FILE = /(\.(onnx|pt|pth|safetensors|keras|h5|hdf5)$)|((^|\/)model\.json$)|(weights_manifest\.json$)|((^|\/)events\.out\.tfevents\.[^/]*$)/i;

export function isModelFile(path: string): boolean {
  return MODEL_FILE.test(path);
}
