"""The matching features, in the order of every feature matrix and weight table."""

FEATURES = (
    "name_similarity",  # embedding cosine of the field names as words
    "text_similarity",  # embedding cosine of entity + name + description
    "cross_similarity",  # name vs the other side's description, both ways
    "reference_similarity",  # id field's words vs the entity a target foreign key points at
    "token_overlap",  # Dice coefficient of stemmed, abbreviation-expanded name tokens
    "entity_similarity",  # source entity vs target entity (names + descriptions)
    "example_similarity",  # nearest approved mapping of another source to this target
    "own_example",  # ... and that mapping is the tenant's own
    "type_fit",  # type compatibility 0..1
    "pattern_fit",  # sample values look like the target (-1..1)
    "value_overlap",  # share of sample values among the target's known values
    "value_similarity",  # embedding cosine of sample values vs the target's known values
    "table_fit",  # how well the whole source table fits the target's entity (<= 0)
    "reference_fit",  # a reference to another table: +1 keys to what it is, -1 identities
)

# the features read from the whole source table, added after the field's own evidence
TABLE_CONTEXT = ("table_fit", "reference_fit")
