// GraphQL over HTTP and the graphql-transport-ws websocket, with the API key kept in localStorage.
import { createClient } from "graphql-ws";

const KEY = "kg.apiKey";

export function apiKey() {
  try {
    return localStorage.getItem(KEY) || "";
  } catch {
    return "";
  }
}

export function setApiKey(value) {
  if (value) localStorage.setItem(KEY, value);
  else localStorage.removeItem(KEY);
  if (socket) {
    socket.dispose();
    socket = null;
  }
}

export function websocketUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
}

/** Run a query or mutation; resolves to `data`, rejects with the first error's message. */
export async function gql(query, variables = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`HTTP ${response.status} from /graphql`);
  }
  if (body.errors && body.errors.length) {
    const error = new Error(body.errors[0].message);
    error.code = body.errors[0].extensions?.code;
    throw error;
  }
  return body.data;
}

let algorithms = Promise.resolve();

/**
 * Run graph-algorithm queries one at a time: each projects the graph in the engine, and the
 * engine allows one such projection at a time.
 */
export function gqlAlgorithm(query, variables = {}) {
  const run = algorithms.then(() => gql(query, variables));
  algorithms = run.catch(() => undefined);
  return run;
}

let socket = null;

/** Subscribe over the websocket; returns a function that stops the subscription. */
export function subscribe(query, variables, onNext, onDone) {
  if (!socket) {
    const key = apiKey();
    socket = createClient({ url: websocketUrl(), connectionParams: key ? { apiKey: key } : {} });
  }
  return socket.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) onDone?.(new Error(result.errors[0].message));
        else onNext(result.data);
      },
      error: (error) => onDone?.(error instanceof Error ? error : new Error(String(error?.reason || error))),
      complete: () => onDone?.(null),
    },
  );
}
