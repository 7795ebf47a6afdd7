"""Customer conversations: understanding what customers write, and (next) the bot and inbox."""
