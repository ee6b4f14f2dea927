//! Creates, updates, lists and deletes the Elastigroups of an import, recorded in a state file.
