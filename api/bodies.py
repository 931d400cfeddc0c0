import msgspec


def set_fields(body: msgspec.Struct) -> dict:
    """The fields a PATCH body actually carries (absent ones are UNSET)."""
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not msgspec.UNSET
    }
