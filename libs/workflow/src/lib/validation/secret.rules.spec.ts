import { validateYaml } from './workspace-fixture';

describe('secret rules', () => {
  it('rejects invalid secret names and empty values, nested ones included', async () => {
    expect(
      await validateYaml(`
        secrets:
          good_NAME_1: value
          bad-name: value
          db:
            password: ""
            port: 5432
            nested.key: x
      `),
    ).toEqual([
      "error .workflows/main.yaml:3:13 secrets.bad-name: secret name 'bad-name' contains invalid characters (only letters, digits and '_')",
      "error .workflows/main.yaml:5:15 secrets.db.password: secret 'db.password' has an empty value",
      "error .workflows/main.yaml:7:17 secrets.db.nested.key: secret name 'db.nested.key' contains invalid characters (only letters, digits and '_')",
    ]);
  });

  it('warns about action env referencing undefined secrets', async () => {
    expect(
      await validateYaml(`
        secrets:
          db: {password: hunter2}
          TOKEN: abc
        actions:
          a:
            type: script
            script: echo
            env:
              OK: "{{ secret.db.password }}"
              ALSO_OK: "{{ secret.TOKEN | upper }}"
              MISSING: "{{ secret.db.user }}"
      `),
    ).toEqual([
      "warning .workflows/main.yaml:11:16 actions.a.env.MISSING: references secret 'db.user', which is not defined in secrets",
    ]);
  });
});
