// What to tell the user about a caught value: an Error's message, or the value itself as text (a worker
// or a library may throw a string).

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
