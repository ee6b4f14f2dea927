//! An exact, static evaluator of Azure Resource Manager JSON templates (no I/O).
