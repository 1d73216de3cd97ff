MATCH (m:SchemaMigration {version: $version}) DELETE m
