"""The demo: a seeded fictional expert network and the logins of a demo installation."""

from expertnet.demo.network import generate_experts
from expertnet.demo.seed import DEMO_ACCOUNTS, seed_demo

__all__ = ["DEMO_ACCOUNTS", "generate_experts", "seed_demo"]
