"""一案一档: everything about one case on its page, and the printed case file (打印卷宗)."""
