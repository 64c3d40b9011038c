import { didYouMean } from '../suggest';
import type { ValidationContext } from './validation-context';

const PROPERTY_TYPES = ['string', 'text', 'integer', 'number', 'boolean', 'date', 'datetime'];
/** A connection type may not shadow a primitive input type (or an alias of one). */
const RESERVED_TYPE_NAMES = [...PROPERTY_TYPES, 'bool', 'array', 'object'];

/** `connection_types` and `connections` (reference §2.11). */
export function connectionRules(ctx: ValidationContext): void {
  const types = ctx.config.connection_types;
  for (const [typeName, props] of Object.entries(types)) {
    const path = ['connection_types', typeName];
    if (RESERVED_TYPE_NAMES.includes(typeName)) {
      ctx.error(
        path,
        `connection type name '${typeName}' is reserved (it is a primitive input type); rename it`,
      );
    }
    for (const [prop, def] of Object.entries(props)) {
      if (PROPERTY_TYPES.includes(def.type)) continue;
      const hint =
        def.type === 'bool'
          ? ` — write 'boolean' (the 'bool' alias is not accepted on connection properties)`
          : didYouMean(def.type, PROPERTY_TYPES);
      ctx.error(
        [...path, prop, 'type'],
        `invalid property type '${def.type}' (expected: ${PROPERTY_TYPES.join(', ')})${hint}`,
      );
    }
  }

  for (const [name, connection] of Object.entries(ctx.config.connections)) {
    const path = ['connections', name];
    const typeName = connection.type;
    const props = typeName === undefined ? undefined : types[typeName];
    if (typeName !== undefined && props === undefined) {
      if (typeName.includes('.')) {
        ctx.warn(
          [...path, 'type'],
          `type '${typeName}' is a cross-workspace connection type — validated when a job is created`,
        );
      } else {
        ctx.error(
          [...path, 'type'],
          `unknown connection type '${typeName}'${didYouMean(typeName, Object.keys(types))}`,
        );
      }
    }
    if (props !== undefined) {
      for (const [prop, def] of Object.entries(props)) {
        if (def.required && def.default === undefined && !Object.hasOwn(connection.values, prop)) {
          ctx.error(path, `missing required property '${prop}' (connection type '${typeName}')`);
        }
      }
      for (const key of Object.keys(connection.values)) {
        if (!Object.hasOwn(props, key)) {
          ctx.warn(
            [...path, key],
            `property '${key}' is not defined in connection type '${typeName}'${didYouMean(key, Object.keys(props))}`,
          );
        }
      }
    }
    for (const [key, value] of Object.entries(connection.values)) {
      if (value === '') ctx.error([...path, key], `property '${key}' has an empty value`);
    }
  }
}
