// Forget a skill's modalities.
MATCH (s:Skill {id: $id})-[r:HAS_MODALITY]->(:Modality)
DELETE r
