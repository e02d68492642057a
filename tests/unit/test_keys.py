"""Site keys and identity hashes."""

import hashlib
import hmac

from collector.domain import keys


def test_keys_have_their_prefixes_and_never_repeat():
    made = {keys.new_secret_key() for _ in range(1000)}
    assert len(made) == 1000
    assert all(k.startswith("sk_") and len(k) == 43 for k in made)
    assert keys.new_public_key().startswith("pk_")
    assert keys.new_id("srv").startswith("srv_")


def test_a_secret_matches_only_its_own_hash():
    secret = keys.new_secret_key()
    stored = keys.hash_secret(secret)
    assert secret not in stored
    assert keys.secret_matches(secret, stored)
    other = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    assert not keys.secret_matches(other, stored)


def test_user_hash_is_hex_hmac_sha256_of_the_user_id():
    expected = hmac.new(b"s3cret", b"u42", hashlib.sha256).hexdigest()
    assert keys.user_hash("s3cret", "u42") == expected
    assert keys.user_hash_matches("s3cret", "u42", expected.upper())
    assert not keys.user_hash_matches("s3cret", "u43", expected)


def test_ids_are_16_base36_characters_spread_over_the_whole_alphabet():
    made = [keys.new_id("prm")[4:] for _ in range(2000)]
    assert all(len(i) == 16 and set(i) <= set("0123456789abcdefghijklmnopqrstuvwxyz") for i in made)
    for position in range(16):  # a missing character here has odds of about 1 in 10^23
        assert len({i[position] for i in made}) == 36
