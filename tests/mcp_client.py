"""A real MCP client (the Python MCP SDK's stdio client) that drives `apigw-logs mcp` for tests/it/mcp.rs.

Reads one JSON object on stdin:
    {"command": PATH, "args": [...], "env": {...}, "calls": [{"name": TOOL, "arguments": {...}}, ...]}
launches the server over stdio, initializes, lists the tools, makes each call in order, and prints one JSON
object on stdout:
    {"server": {"name", "version"}, "tools": [{"name", "input_schema", "annotations"}],
     "calls": [{"result": {"is_error", "texts"}} | {"error": {"code", "message", "data"}}]}
It asserts nothing itself: the Rust test does.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError


async def main(spec):
    params = StdioServerParameters(command=spec["command"], args=spec["args"], env=spec["env"])
    out = {"calls": []}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            out["server"] = {"name": init.server_info.name, "version": init.server_info.version}
            listed = await session.list_tools()
            out["tools"] = [
                {
                    "name": t.name,
                    "input_schema": t.input_schema,
                    "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else None,
                }
                for t in listed.tools
            ]
            for call in spec["calls"]:
                try:
                    result = await session.call_tool(call["name"], call.get("arguments", {}))
                    texts = [c.text for c in result.content if c.type == "text"]
                    out["calls"].append({"result": {"is_error": bool(result.is_error), "texts": texts}})
                except MCPError as e:
                    out["calls"].append({"error": {"code": e.code, "message": e.message, "data": e.data}})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main(json.load(sys.stdin)))
