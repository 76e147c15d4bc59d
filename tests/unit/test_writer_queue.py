"""SQLite writers take turns on a lock file: a write waits while another
holder has the turn, and runs as soon as the turn is released."""

import contextlib
import fcntl
import os
import threading
import uuid

import pytest
import sqlalchemy as sa

from placement_min import conf as placement_conf
from placement_min.storage import database
from placement_min.storage import migration
from placement_min.storage import resource_provider


@pytest.fixture
def sqlite_db(tmp_path):
    """A SQLite database whatever the suite's backend: the queue is
    SQLite's alone (servers lock rows, and get none)."""
    conf = placement_conf.build_conf(args=[])
    conf.set_override('connection', f'sqlite:///{tmp_path}/queue.sqlite',
                      'placement_database')
    db = database.Database.from_conf(conf)
    migration.sync(db.engine)
    yield db
    db.engine.dispose()


@contextlib.contextmanager
def turn_held_elsewhere(db):
    """The queue's turn, held through an open file of its own, as
    another worker process holds it."""
    other = os.open(db.writer_queue.path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)


def test_only_sqlite_files_queue():
    for url, queued in (('sqlite:////srv/p.sqlite', True),
                        ('sqlite://', False),
                        ('postgresql+psycopg://u@h/db', False),
                        ('mysql+pymysql://u@h/db', False)):
        queue = database.Database(sa.create_engine(url)).writer_queue
        assert (queue is not None) == queued, url
        if queued:
            assert queue.path == '/srv/p.sqlite.writers'


def test_write_waits_for_its_turn(sqlite_db):
    created = threading.Event()

    def create():
        resource_provider.create(sqlite_db, str(uuid.uuid4()), 'queued')
        created.set()

    writer = threading.Thread(target=create)
    with turn_held_elsewhere(sqlite_db):
        writer.start()
        assert not created.wait(0.5), 'the write did not wait its turn'
    assert created.wait(10), 'the write did not run after the turn'
    writer.join()


def test_reads_do_not_queue(sqlite_db):
    rp_uuid = str(uuid.uuid4())
    resource_provider.create(sqlite_db, rp_uuid, 'read')
    with turn_held_elsewhere(sqlite_db):
        [(_uuid, name, *_rest)] = resource_provider.get(sqlite_db,
                                                        rp_uuid).rows
        assert name == 'read'


def test_threads_of_one_process_take_turns(sqlite_db):
    holding, most = [], []
    lock = threading.Lock()

    def hold():
        with sqlite_db.writer_queue.turn():
            with lock:
                holding.append(1)
                most.append(len(holding))
            threading.Event().wait(0.02)
            with lock:
                holding.pop()

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(most) == 1
