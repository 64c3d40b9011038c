import { validateYaml } from './workspace-fixture';

describe('agent rules', () => {
  it('requires provider and prompt and rejects execution fields', async () => {
    expect(
      await validateYaml(`
        actions:
          ai:
            type: agent
            image: alpine
            task: t
      `),
    ).toEqual([
      "error .workflows/main.yaml:2:3 actions.ai: type: agent action is missing 'provider' (an LLM provider id from the server config)",
      "error .workflows/main.yaml:2:3 actions.ai: type: agent action is missing 'prompt'",
      "error .workflows/main.yaml:4:12 actions.ai.image: 'image' is not valid on type: agent",
      "error .workflows/main.yaml:5:11 actions.ai.task: 'task' is not valid on type: agent (give the agent tasks through 'tools: [{task: …}]')",
    ]);
  });

  it('checks temperature, max_turns, prompt syntax and tool references', async () => {
    expect(
      await validateYaml(`
        tasks:
          lookup: {flow: {}}
        mcp_servers:
          fs: {transport: stdio, command: mcp-fs}
        actions:
          ai:
            type: agent
            provider: openai
            prompt: "Summarise {{ input.text "
            temperature: 2.5
            max_turns: 0
            tools:
              - task: ""
              - task: lookup
              - mcp: fs
              - mcp: nope
      `),
    ).toEqual([
      expect.stringMatching(
        /^error \.workflows\/main\.yaml:9:13 actions\.ai\.prompt: invalid prompt template: /,
      ),
      'error .workflows/main.yaml:10:18 actions.ai.temperature: temperature 2.5 is out of range (0.0..2.0)',
      'error .workflows/main.yaml:11:16 actions.ai.max_turns: max_turns 0 is out of range (1..100)',
      'error .workflows/main.yaml:13:15 actions.ai.tools[0].task: tool task reference is empty',
      "warning .workflows/main.yaml:16:14 actions.ai.tools[3].mcp: tool refers to unknown MCP server 'nope'",
    ]);
  });

  it('warns about max_turns without tools and interactive agents without limits', async () => {
    expect(
      await validateYaml(`
        tasks:
          lookup: {flow: {}}
        actions:
          single: {type: agent, provider: p, prompt: hi, max_turns: 5}
          chat: {type: agent, provider: p, prompt: hi, interactive: true}
          open: {type: agent, provider: p, prompt: hi, interactive: true, tools: [{task: lookup}]}
      `),
    ).toEqual([
      'warning .workflows/main.yaml:4:61 actions.single.max_turns: max_turns has no effect: the agent has no tools, so it answers in a single turn',
      'warning .workflows/main.yaml:5:61 actions.chat.interactive: interactive agent without tools: it can ask the user but has no task or MCP tools',
      'warning .workflows/main.yaml:6:61 actions.open.interactive: interactive agent with tools but no max_turns: set max_turns to bound the conversation',
    ]);
  });

  it('checks MCP server transports and name collisions', async () => {
    expect(
      await validateYaml(`
        mcp_servers:
          local-fs: {transport: stdio}
          local_fs: {transport: stdio, command: x, url: "http://x"}
          remote: {transport: sse, url: "ftp://x", command: y}
          odd: {transport: websocket}
      `),
    ).toEqual([
      "error .workflows/main.yaml:2:3 mcp_servers.local-fs: MCP server with transport stdio is missing 'command'",
      "error .workflows/main.yaml:3:3 mcp_servers.local_fs: MCP server names 'local-fs' and 'local_fs' are both 'local_fs' once '-' becomes '_' (agent tool prefixes would collide); rename one",
      "error .workflows/main.yaml:3:49 mcp_servers.local_fs.url: 'url' is only valid with transport sse",
      "error .workflows/main.yaml:4:33 mcp_servers.remote.url: url must be a valid http or https URL, got 'ftp://x'",
      "warning .workflows/main.yaml:4:53 mcp_servers.remote.command: 'command' is ignored with transport sse",
      "error .workflows/main.yaml:5:20 mcp_servers.odd.transport: unknown transport 'websocket' (expected: stdio, sse)",
    ]);
  });
});
