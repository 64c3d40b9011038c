/** The template key of a step: `say-hello` is `say_hello` (only hyphens change; Tera reads `-` as minus). */
export function stepContextKey(stepName: string): string {
  return stepName.replaceAll('-', '_');
}
