import { validateYaml } from './workspace-fixture';

describe('connection rules', () => {
  it('accepts typed connections that fill their required properties', async () => {
    expect(
      await validateYaml(`
        connection_types:
          postgres:
            host: {type: string, required: true}
            port: {type: integer, default: 5432, required: true}
        connections:
          prod: {type: postgres, host: db.internal}
          legacy: {url: "postgres://x"}
      `),
    ).toEqual([]);
  });

  it('rejects reserved type names and property types, including the bool alias', async () => {
    expect(
      await validateYaml(`
        connection_types:
          string:
            x: {type: string}
          api:
            verify: {type: bool}
            retries: {type: int}
      `),
    ).toEqual([
      "error .workflows/main.yaml:2:3 connection_types.string: connection type name 'string' is reserved (it is a primitive input type); rename it",
      "error .workflows/main.yaml:5:20 connection_types.api.verify.type: invalid property type 'bool' (expected: string, text, integer, number, boolean, date, datetime) — write 'boolean' (the 'bool' alias is not accepted on connection properties)",
      expect.stringContaining("connection_types.api.retries.type: invalid property type 'int'"),
    ]);
  });

  it('reports unknown types, missing required properties, unknown properties and empty values', async () => {
    expect(
      await validateYaml(`
        connection_types:
          postgres:
            host: {type: string, required: true}
        connections:
          a: {type: postgress, host: x}
          b: {type: postgres, hots: x}
          c: {url: ""}
      `),
    ).toEqual([
      "error .workflows/main.yaml:5:13 connections.a.type: unknown connection type 'postgress' (did you mean 'postgres'?)",
      "error .workflows/main.yaml:6:3 connections.b: missing required property 'host' (connection type 'postgres')",
      "warning .workflows/main.yaml:6:29 connections.b.hots: property 'hots' is not defined in connection type 'postgres' (did you mean 'host'?)",
      "error .workflows/main.yaml:7:12 connections.c.url: property 'url' has an empty value",
    ]);
  });
});
