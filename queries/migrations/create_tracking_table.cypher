CREATE NODE TABLE IF NOT EXISTS SchemaMigration(version INT64, name STRING, checksum STRING, applied_at TIMESTAMP, PRIMARY KEY(version))
