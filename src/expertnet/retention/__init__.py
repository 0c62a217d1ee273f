"""Retention of closed consultations: review dates per outcome, flagging or erasure, tombstones."""
