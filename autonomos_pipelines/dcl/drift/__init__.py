"""Drift *repair*: what the DCL decides for each drift event AAM detected (move, retire,
flag), how sure it is of a rename, and which canonical fields lost a source."""
