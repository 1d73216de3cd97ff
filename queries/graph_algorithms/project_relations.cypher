// Template: the current relation graph of one namespace as a projected graph named
// __GRAPH__ — its entities, and RELATED edges accepted or proposed and not retired.
// __NAMESPACE__ is filled only with a checked literal (kgservice.stores.graph_projection).
CALL project_graph('__GRAPH__', {'Entity': 'n.namespace = "__NAMESPACE__"'}, {'RELATED': 'r.valid_to IS NULL AND r.status IN ["accepted", "proposed"]'})
