from __future__ import annotations

import click

rotate_keys_command = click.Command("rotate-keys", help="(being built)")
