//! Exhaustive poll-level tests of Queue, LifoQueue, PriorityQueue, channel
//! and oneshot: every order of poll, spurious poll, cancel, put / get (async
//! and `_nowait`), shutdown (draining and immediate), closing ends, over two
//! getters and a putter, against a model: no item is lost or duplicated
//! (each is taken, still queued, discarded by an immediate shutdown, or
//! handed back in an error), FIFO order for `Queue`, `task_done` / `join`
//! accounting, no lost wake-up, nobody sleeps while what it waits for is
//! there, and every item is dropped exactly once.

mod support;

use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
use std::sync::Arc;
use support::explore::{
    actor_ops, explore, explore_all, no_lost_wakeup, settle, Actor, Model, Task,
};
use weave_sync::queue::{BaseQueue, Fifo, Lifo, Priority, Store};
use weave_sync::{
    channel, oneshot, GetError, PutError, QueueShutDown, Receiver, Sender, TryRecvError,
    TrySendError,
};

/// An item that counts itself: alive items are created minus dropped.
#[derive(Debug)]
struct Item {
    id: u32,
    live: Arc<AtomicIsize>,
}

impl Item {
    fn new(id: u32, live: &Arc<AtomicIsize>) -> Item {
        live.fetch_add(1, SeqCst);
        Item {
            id,
            live: live.clone(),
        }
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        self.live.fetch_sub(1, SeqCst);
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Item) -> bool {
        self.id == other.id
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Item) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Item) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

/// What an actor's future gave.
enum Out {
    Got(Result<Item, QueueShutDown<()>>),
    Put(Result<(), QueueShutDown<Item>>),
}

// ---------------------------------------------------------------- Queue

const PUTTER_ITEM: u32 = 100;
// Ops after the three actors' polls and drops.
const PUT_NOWAIT: usize = 6;
const GET_NOWAIT: usize = 7;
const SHUTDOWN: usize = 8;
const SHUTDOWN_NOW: usize = 9;

/// Two getters and a putter on a queue of one slot.
struct QueueModel<S> {
    queue: BaseQueue<Item, S>,
    actors: Vec<Actor<Out>>,
    clock: usize,
    live: Arc<AtomicIsize>,
    /// Ids accepted into the queue, in order.
    accepted: Vec<u32>,
    /// Ids taken out, in order.
    taken: Vec<u32>,
    /// Items an immediate shutdown discarded.
    discarded: usize,
    shut_down: bool,
    puts: u32,
    gets: usize,
    /// Whether the store hands items out in put order (checked if so).
    fifo: bool,
}

impl<S: Store<Item> + 'static> QueueModel<S> {
    fn fresh(fifo: bool) -> Self {
        let live = Arc::new(AtomicIsize::new(0));
        let queue = BaseQueue::<Item, S>::new(1);
        let mut actors = Vec::new();
        for _ in 0..2 {
            let q = queue.clone();
            actors.push(Actor::new(move || async move { Out::Got(q.get().await) }));
        }
        let (q, l) = (queue.clone(), live.clone());
        actors.push(Actor::new(move || async move {
            Out::Put(q.put(Item::new(PUTTER_ITEM, &l)).await)
        }));
        QueueModel {
            queue,
            actors,
            clock: 0,
            live,
            accepted: Vec::new(),
            taken: Vec::new(),
            discarded: 0,
            shut_down: false,
            puts: 0,
            gets: 0,
            fifo,
        }
    }

    fn record_out(&mut self, i: usize) -> Result<(), String> {
        match self.actors[i].held() {
            Some(Out::Got(Ok(item))) => self.taken.push(item.id),
            Some(Out::Got(Err(_))) if !self.shut_down => {
                return Err(format!(
                    "getter {i} failed on a queue that is not shut down"
                ));
            }
            Some(Out::Got(Err(_))) => {
                // After a draining shutdown a get fails only once no item
                // is left for it: those still queued are all kept for
                // other getters that were woken for them.
                let others = (0..2)
                    .filter(|&j| j != i && self.actors[j].is_pending())
                    .count();
                let queued = self.queue.qsize();
                if queued > others {
                    return Err(format!(
                        "getter {i} failed with {queued} items queued and {others} other getters waiting"
                    ));
                }
            }
            Some(Out::Put(Ok(()))) => self.accepted.push(PUTTER_ITEM),
            Some(Out::Put(Err(e))) => {
                if !self.shut_down {
                    return Err("a put failed on a queue that is not shut down".into());
                }
                if e.0.id != PUTTER_ITEM {
                    return Err("a failed put handed back another item".into());
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn ops_names() -> Vec<String> {
        let mut ops = actor_ops(&["getter0", "getter1", "putter"]);
        for op in [
            "put_nowait",
            "get_nowait",
            "shutdown",
            "shutdown(immediate)",
        ] {
            ops.push(op.into());
        }
        ops
    }

    fn is_enabled(&self, op: usize) -> bool {
        match op {
            0..3 => self.actors[op].can_poll(),
            3..6 => self.actors[op - 3].can_drop(),
            PUT_NOWAIT => self.puts < 2,
            GET_NOWAIT => self.gets < 1,
            SHUTDOWN | SHUTDOWN_NOW => !self.shut_down,
            _ => false,
        }
    }

    fn step(&mut self, op: usize) -> Result<(), String> {
        match op {
            0..3 => {
                if self.actors[op].poll(&mut self.clock) {
                    self.record_out(op)?;
                }
            }
            3..6 => drop(self.actors[op - 3].drop_now()),
            PUT_NOWAIT => {
                self.puts += 1;
                let id = self.puts;
                match self.queue.put_nowait(Item::new(id, &self.live)) {
                    Ok(()) => self.accepted.push(id),
                    Err(PutError::Full(item)) | Err(PutError::ShutDown(item)) if item.id != id => {
                        return Err("put_nowait handed back another item".into());
                    }
                    Err(PutError::ShutDown(_)) if !self.shut_down => {
                        return Err("put_nowait reported a shutdown that did not happen".into());
                    }
                    Err(_) => {}
                }
            }
            GET_NOWAIT => {
                self.gets += 1;
                match self.queue.get_nowait() {
                    Ok(item) => self.taken.push(item.id),
                    Err(GetError::ShutDown) if !self.shut_down => {
                        return Err("get_nowait reported a shutdown that did not happen".into());
                    }
                    Err(_) => {}
                }
            }
            SHUTDOWN => {
                self.shut_down = true;
                self.queue.shutdown(false);
            }
            SHUTDOWN_NOW => {
                self.shut_down = true;
                self.discarded += self.queue.qsize();
                self.queue.shutdown(true);
            }
            _ => unreachable!(),
        }
        Ok(())
    }

    fn check_end(mut self) -> Result<(), String> {
        loop {
            let mut moved = false;
            for i in 0..3 {
                if self.actors[i].is_holding() {
                    self.step(3 + i)?;
                    moved = true;
                } else if self.actors[i].woken() {
                    self.step(i)?;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        let queued = self.queue.qsize();
        for i in 0..2 {
            if self.actors[i].is_pending() && (queued > 0 || self.shut_down) {
                return Err(format!(
                    "getter {i} sleeps with {queued} items queued (shut down: {})",
                    self.shut_down
                ));
            }
        }
        if self.actors[2].is_pending() && (queued == 0 || self.shut_down) {
            return Err("the putter sleeps though the queue has room or is shut down".into());
        }
        // Conservation: what went in came out, is still in, or was discarded.
        let mut rest = Vec::new();
        while let Ok(item) = self.queue.get_nowait() {
            rest.push(item.id);
        }
        let mut out: Vec<u32> = self.taken.iter().chain(&rest).copied().collect();
        if out.len() + self.discarded != self.accepted.len() {
            return Err(format!(
                "accepted {:?}, taken {:?}, left {:?}, {} discarded",
                self.accepted, self.taken, rest, self.discarded
            ));
        }
        if self.fifo && self.discarded == 0 && out != self.accepted {
            return Err(format!(
                "FIFO order broken: in {:?}, out {out:?}",
                self.accepted
            ));
        }
        out.sort_unstable();
        out.dedup();
        if out.len() != self.taken.len() + rest.len() {
            return Err("an item came out twice".into());
        }
        // Every item taken is marked done: join completes, and one more
        // task_done is refused.
        for _ in 0..self.taken.len() + rest.len() {
            if self.queue.task_done().is_err() {
                return Err("task_done refused an item that was taken".into());
            }
        }
        if self.queue.task_done().is_ok() {
            return Err("task_done accepted more calls than items".into());
        }
        let q = self.queue.clone();
        if Task::new(async move { q.join().await }).poll().is_pending() {
            return Err("join waits though every item is done".into());
        }
        // Nothing leaks: once everything is dropped, no item is alive.
        let live = self.live.clone();
        drop(self);
        match live.load(SeqCst) {
            0 => Ok(()),
            n => Err(format!(
                "{n} items still alive after everything was dropped"
            )),
        }
    }
}

macro_rules! queue_model {
    ($name:ident, $store:ty, $fifo:expr) => {
        struct $name(QueueModel<$store>);

        impl Model for $name {
            fn ops() -> Vec<String> {
                QueueModel::<$store>::ops_names()
            }
            fn new() -> Self {
                $name(QueueModel::fresh($fifo))
            }
            fn enabled(&self, op: usize) -> bool {
                self.0.is_enabled(op)
            }
            fn apply(&mut self, op: usize) -> Result<(), String> {
                self.0.step(op)
            }
            fn finish(self) -> Result<(), String> {
                self.0.check_end()
            }
        }
    };
}

queue_model!(FifoModel, Fifo<Item>, true);
queue_model!(LifoModel, Lifo<Item>, false);
queue_model!(PriorityModel, Priority<Item>, false);

#[test]
fn queue_two_getters_a_putter_puts_gets_and_shutdowns_to_depth_nine() {
    explore::<FifoModel>(9);
}

#[test]
fn lifo_queue_to_depth_seven() {
    explore::<LifoModel>(7);
}

#[test]
fn priority_queue_to_depth_seven() {
    explore::<PriorityModel>(7);
}

// ---------------------------------------------------------------- channel

const TRY_SEND: usize = 6;
const TRY_RECV: usize = 7;
const DROP_TX: usize = 8;
const DROP_RX: usize = 9;

enum ChanOut {
    Got(Result<Item, weave_sync::RecvError>),
    Sent(Result<(), weave_sync::SendError<Item>>),
}

/// Two receiving and one sending actor, each with its own end, and an
/// outside sender and receiver, on a channel of one slot.
struct ChannelModel {
    tx: Option<Sender<Item>>,
    rx: Option<Receiver<Item>>,
    actors: Vec<Actor<ChanOut>>,
    clock: usize,
    live: Arc<AtomicIsize>,
    sent: usize,
    received: usize,
    tries: usize,
}

impl ChannelModel {
    /// An actor's end is alive until its future is done (an async block
    /// drops what it captured when it returns) or dropped.
    fn end_alive(&self, i: usize) -> bool {
        matches!(
            self.actors[i].phase,
            support::explore::Phase::Idle | support::explore::Phase::Pending(_)
        )
    }

    fn senders(&self) -> usize {
        usize::from(self.tx.is_some()) + usize::from(self.end_alive(2))
    }

    fn receivers(&self) -> usize {
        usize::from(self.rx.is_some()) + (0..2).filter(|&i| self.end_alive(i)).count()
    }
}

impl Model for ChannelModel {
    fn ops() -> Vec<String> {
        let mut ops = actor_ops(&["recv0", "recv1", "send"]);
        for op in [
            "try_send",
            "try_recv",
            "drop outside sender",
            "drop outside receiver",
        ] {
            ops.push(op.into());
        }
        ops
    }

    fn new() -> Self {
        let live = Arc::new(AtomicIsize::new(0));
        let (tx, rx) = channel::<Item>(1);
        let mut actors = Vec::new();
        for _ in 0..2 {
            let rx = rx.clone();
            actors.push(Actor::new(
                move || async move { ChanOut::Got(rx.recv().await) },
            ));
        }
        let (tx2, l) = (tx.clone(), live.clone());
        actors.push(Actor::new(move || async move {
            ChanOut::Sent(tx2.send(Item::new(PUTTER_ITEM, &l)).await)
        }));
        ChannelModel {
            tx: Some(tx),
            rx: Some(rx),
            actors,
            clock: 0,
            live,
            sent: 0,
            received: 0,
            tries: 0,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        match op {
            0..3 => self.actors[op].can_poll(),
            3..6 => self.actors[op - 3].can_drop(),
            TRY_SEND => self.tx.is_some() && self.tries < 2,
            TRY_RECV => self.rx.is_some() && self.tries < 2,
            DROP_TX => self.tx.is_some(),
            DROP_RX => self.rx.is_some(),
            _ => false,
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        match op {
            0..3 => {
                let (senders, receivers) = (self.senders(), self.receivers());
                if self.actors[op].poll(&mut self.clock) {
                    match self.actors[op].held() {
                        Some(ChanOut::Got(Ok(_))) => self.received += 1,
                        Some(ChanOut::Got(Err(_))) if senders > 0 => {
                            return Err(format!("recv{op} failed while {senders} senders live"));
                        }
                        Some(ChanOut::Got(Err(_))) => {
                            let others = (0..2)
                                .filter(|&j| j != op && self.actors[j].is_pending())
                                .count();
                            let queued = self.rx.as_ref().map_or(0, Receiver::len);
                            if queued > others {
                                return Err(format!(
                                    "recv{op} failed with {queued} messages queued and {others} other receivers waiting"
                                ));
                            }
                        }
                        Some(ChanOut::Sent(Ok(()))) => self.sent += 1,
                        Some(ChanOut::Sent(Err(e))) => {
                            if receivers > 0 {
                                return Err(format!(
                                    "send failed while {receivers} receivers live"
                                ));
                            }
                            if e.0.id != PUTTER_ITEM {
                                return Err("a failed send handed back another item".into());
                            }
                        }
                        _ => {}
                    }
                }
            }
            3..6 => drop(self.actors[op - 3].drop_now()),
            TRY_SEND => {
                self.tries += 1;
                let receivers = self.receivers();
                let tx = self.tx.as_ref().unwrap();
                match tx.try_send(Item::new(1, &self.live)) {
                    Ok(()) => self.sent += 1,
                    Err(TrySendError::Closed(_)) if receivers > 0 => {
                        return Err(format!(
                            "try_send saw a closed channel with {receivers} receivers"
                        ));
                    }
                    Err(_) => {}
                }
            }
            TRY_RECV => {
                self.tries += 1;
                let senders = self.senders();
                match self.rx.as_ref().unwrap().try_recv() {
                    Ok(_) => self.received += 1,
                    Err(TryRecvError::Closed) if senders > 0 => {
                        return Err(format!(
                            "try_recv saw a closed channel with {senders} senders"
                        ));
                    }
                    Err(_) => {}
                }
            }
            DROP_TX => self.tx = None,
            DROP_RX => self.rx = None,
            _ => unreachable!(),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        settle(
            &mut self,
            3,
            |m, i| m.actors[i].is_holding(),
            |m, i| m.actors[i].woken(),
        )?;
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        let queued = self.rx.as_ref().map(Receiver::len);
        for i in 0..2 {
            if self.actors[i].is_pending() && (self.senders() == 0 || queued.is_some_and(|q| q > 0))
            {
                return Err(format!(
                    "recv{i} sleeps though the channel is closed or holds a message"
                ));
            }
        }
        if self.actors[2].is_pending() && self.receivers() == 0 {
            return Err("the sender sleeps though every receiver is gone".into());
        }
        if let Some(rx) = &self.rx {
            let mut rest = 0;
            while rx.try_recv().is_ok() {
                rest += 1;
            }
            if self.received + rest != self.sent {
                return Err(format!(
                    "{} sent, {} received, {rest} left",
                    self.sent, self.received
                ));
            }
        }
        let live = self.live.clone();
        drop(self);
        match live.load(SeqCst) {
            0 => Ok(()),
            n => Err(format!(
                "{n} messages still alive after everything was dropped"
            )),
        }
    }
}

#[test]
fn channel_every_order_to_depth_eight() {
    explore::<ChannelModel>(8);
}

// ---------------------------------------------------------------- oneshot

const SEND: usize = 2;
const DROP_SENDER: usize = 3;

/// A receiving actor and an outside sender.
struct OneshotModel {
    tx: Option<oneshot::Sender<Item>>,
    actors: Vec<Actor<Result<Item, weave_sync::oneshot::RecvError>>>,
    clock: usize,
    live: Arc<AtomicIsize>,
    /// The send succeeded.
    sent: bool,
    /// The sender is gone (sent or dropped).
    sender_gone: bool,
}

impl Model for OneshotModel {
    fn ops() -> Vec<String> {
        let mut ops = actor_ops(&["receiver"]);
        ops.push("send".into());
        ops.push("drop sender".into());
        ops
    }

    fn new() -> Self {
        let (tx, rx) = oneshot::<Item>();
        OneshotModel {
            tx: Some(tx),
            actors: vec![Actor::new(move || rx)],
            clock: 0,
            live: Arc::new(AtomicIsize::new(0)),
            sent: false,
            sender_gone: false,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        match op {
            0 => self.actors[0].can_poll(),
            1 => self.actors[0].can_drop(),
            SEND | DROP_SENDER => self.tx.is_some(),
            _ => false,
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        match op {
            0 => {
                if self.actors[0].poll(&mut self.clock) {
                    match self.actors[0].held() {
                        Some(Ok(item)) if !self.sent || item.id != 7 => {
                            return Err("received a value that was not sent".into());
                        }
                        Some(Err(_)) if !self.sender_gone || self.sent => {
                            return Err(
                                "the receiver failed though a value was sent or may be".into()
                            );
                        }
                        _ => {}
                    }
                }
            }
            1 => drop(self.actors[0].drop_now()),
            SEND => {
                let receiver_gone = matches!(self.actors[0].phase, support::explore::Phase::Done);
                match self.tx.take().unwrap().send(Item::new(7, &self.live)) {
                    Ok(()) if receiver_gone => return Err("sent to a dropped receiver".into()),
                    Ok(()) => self.sent = true,
                    Err(item) if item.id != 7 => {
                        return Err("send handed back another value".into())
                    }
                    Err(_) if !receiver_gone => {
                        return Err("send failed with a live receiver".into())
                    }
                    Err(_) => {}
                }
                self.sender_gone = true;
            }
            DROP_SENDER => {
                self.tx = None;
                self.sender_gone = true;
            }
            _ => unreachable!(),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        settle(
            &mut self,
            1,
            |m, i| m.actors[i].is_holding(),
            |m, i| m.actors[i].woken(),
        )?;
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        if self.actors[0].is_pending() && self.sender_gone {
            return Err("the receiver sleeps though the sender is gone".into());
        }
        let live = self.live.clone();
        drop(self);
        match live.load(SeqCst) {
            0 => Ok(()),
            n => Err(format!(
                "{n} values still alive after everything was dropped"
            )),
        }
    }
}

#[test]
fn oneshot_every_order_of_send_drop_poll_and_cancel() {
    explore_all::<OneshotModel>(8);
}
