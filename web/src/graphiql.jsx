// GraphiQL, bundled (no CDN): queries over POST /graphql, subscriptions over the websocket,
// with the explorer plugin (build a query by ticking fields) beside the docs and history.
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createClient } from "graphql-ws";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";
import { apiKey, websocketUrl } from "./api.js";

const key = apiKey();
const headers = key ? { Authorization: `Bearer ${key}` } : {};
const fetcher = createGraphiQLFetcher({
  url: "/graphql",
  headers,
  wsClient: createClient({ url: websocketUrl(), connectionParams: key ? { apiKey: key } : {} }),
});
const defaultQuery = `# kgservice GraphQL. The API key (if any) comes from the playground's key field.
{
  version { service schema graphEngine }
  projects(first: 5) { totalCount edges { node { id name namespace } } }
}
`;

const explorer = explorerPlugin();

createRoot(document.getElementById("graphiql")).render(
  <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} plugins={[explorer]} />,
);
