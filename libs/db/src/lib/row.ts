/**
 * Entities hold recursive JSON types (`JsonValue`) that TypeORM's deep-partial insert/update
 * types cannot expand ("excessively deep"); the values are plain column values, pass them as is.
 */
export function row(values: object): never {
  return values as never;
}
